import crypto from "node:crypto";
import net from "node:net";
import tls from "node:tls";
import { Aedes, type AuthenticateError, type Client } from "aedes";
import type { Intake, MessageContext } from "../ingest/intake";
import type { DeviceInfo } from "../ingest/device-cache";
import { ed25519Check } from "../ingest/verifier";
import { dispatchRouted, mqttRoute, type MqttRoute } from "./dispatch";
import { checkDeviceToken } from "./device-token";
import { publishRefusal, subscribeRefusal, type AclDevice } from "./device-acl";
import { LeanConn, LeanPublish } from "./lean-publish";

export type EmbeddedBroker = {
  /** The main listener's port: TLS when `tls` was given. */
  port: number;
  host: string;
  /** mqtts:// (or mqtt:// without TLS) URL of the main listener. */
  url: string;
  /** Port of the extra loopback plaintext listener, when one was asked for. */
  plainPort: number | null;
  /** PEM of the CA devices trust (empty without TLS or when none was given). */
  ca: string;
  /** Refused connections and messages so far, by reason. */
  refusals(): Record<string, number>;
  close(): Promise<void>;
};

export type BrokerOptions = {
  intake: Intake;
  port: number;
  host?: string;
  log?: (m: string) => void;
  /** TLS identity of the main listener; without it the main listener is plaintext (tests, benchmarks). */
  tls?: { cert: string; key: string; ca?: string };
  /** An extra plaintext listener on 127.0.0.1 (a transition for devices without TLS); authenticated like the TLS one. */
  plainPort?: number;
  /**
   * false lets any client in anonymously, as the broker did before issue 13: only for
   * benchmarks that compare with the former transport. Never set from configuration.
   */
  authenticate?: boolean;
};

/**
 * How much of a connection's input is read ahead of the messages still waiting for their
 * commit. aedes parses what a socket has buffered and reads again only once every message of
 * that read is answered, and a QoS 1 message is answered after its commit: so a client's
 * messages in flight are about one socket buffer (Node 20's default, 16 KiB: some 50
 * readings), and the intake's commits are as small as the clients' buffers together (issue
 * 18: 396 readings against 1,739 from NDJSON requests). 256 KiB lets a sending client have
 * some 800 readings in flight; the intake's bound on bytes waiting (maxQueuedBytes) still
 * holds what all connections read ahead together. The plaintext listeners only: a TLS
 * server's sockets keep Node's default (tls.createServer takes the option for the raw socket
 * beneath, which aedes does not read), and a device on its own TLS connection sends a few
 * readings at a time.
 */
const READ_AHEAD_BYTES = 256 * 1024;

const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

function authError(code: 2 | 4 | 5, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

/** The Ed25519 public key of a TLS client's certificate, or null when it presented none (or another key type). */
function clientCertKey(conn: unknown): Uint8Array | null {
  if (!(conn instanceof tls.TLSSocket)) return null;
  const cert = conn.getPeerX509Certificate();
  if (!cert || cert.publicKey.asymmetricKeyType !== "ed25519") return null;
  const der = cert.publicKey.export({ format: "der", type: "spki" });
  if (der.length !== 44 || !der.subarray(0, 12).equals(SPKI_ED25519_PREFIX)) return null;
  return new Uint8Array(der.subarray(12));
}

/**
 * Starts the console's own MQTT broker (aedes, in-memory state) and feeds every publish to
 * the intake. A QoS 1 publish is acknowledged (PUBACK) only after the intake has committed
 * it, as readings or as a dead letter: a QoS 1 reading on a topic its client may use takes
 * the lean path (lean-publish.ts), whose PUBACK is written once the intake settled it; any
 * other publish goes through aedes' handlers, which send the PUBACK when authorizePublish
 * calls back, and that callback waits for the commit. If the commit fails the client is
 * disconnected without a PUBACK and resends on reconnect.
 *
 * Devices authenticate before anything else (issue 13): the client id and the user name are
 * the device id, and the password is a short-lived token signed with the device's registered
 * Ed25519 key (device-token.ts), or the TLS client certificate carries that registered key
 * (the TLS handshake proves the device holds it). Refused: anonymous clients, a client id
 * that is not the authenticated device (so nobody can take over another device's session),
 * wills, retained messages, any topic but the device's own (device-acl.ts), and every
 * subscription ($SYS included). A device whose key is revoked or rotated is disconnected.
 * MQTT 3.1.1 has no negative PUBACK: a refused publish closes the connection.
 */
export async function startEmbeddedBroker(opts: BrokerOptions): Promise<EmbeddedBroker> {
  const host = opts.host ?? "127.0.0.1";
  const authenticate = opts.authenticate ?? true;
  const broker = await Aedes.createBroker({ drainTimeout: 30_000, concurrency: 1000, maxClientsIdLength: 128 });
  // The broker forwards nothing: every subscription is refused (authorizeSubscribe below), so
  // what aedes does with a message after its PUBACK (a lookup for offline subscribers in its
  // persistence, a promise, a match in its emitter, the published hook and event) and with
  // its own $SYS notices reaches nobody.
  // A publish ends at the intake's commit and the acknowledgement.
  broker.publish = ((_packet: unknown, client: unknown, done?: (e?: Error | null) => void) => {
    const cb = typeof client === "function" ? (client as (e?: Error | null) => void) : done;
    cb?.(null);
  }) as typeof broker.publish;
  const verify = ed25519Check();
  /** The authenticated device of each connected client, and the key it proved. */
  const sessions = new WeakMap<Client, { device: AclDevice; key: Buffer }>();
  const byDevice = new Map<string, Client>();
  const counts: Record<string, number> = {};
  let logged = 0;
  let unlogged = 0;
  /** Counts a refusal; logs at most one line per 10 s (an attacker must not flood the log). */
  const refused = (reason: string, message: string) => {
    counts[reason] = (counts[reason] ?? 0) + 1;
    const now = Date.now();
    if (now - logged < 10_000) return void unlogged++;
    opts.log?.(`mqtt: refused: ${message}${unlogged ? ` (and ${unlogged} more refusals since the last line)` : ""}`);
    logged = now;
    unlogged = 0;
  };
  const peer = (c: Client) => {
    const s = c.conn as Partial<net.Socket>;
    return `${s.remoteAddress ?? "?"}`;
  };

  if (authenticate) {
    broker.authenticate = (client, username, password, done) => {
      const id = client.id;
      const who = `client ${JSON.stringify(String(id).slice(0, 80))} from ${peer(client)}`;
      const no = (reason: string, code: 2 | 4 | 5, message: string) => {
        refused(reason, `${who}: ${message}`);
        done(authError(code, message), false);
      };
      if (username !== undefined && username !== id) return no("client_id_mismatch", 2, "the client id must be the device id given as user name");
      if ((client as unknown as { _will?: unknown })._will) return no("will", 5, "wills are not accepted");
      opts.intake.devices.get(id).then(
        (dev: DeviceInfo | null) => {
          if (client.closed) return;
          const certKey = clientCertKey(client.conn);
          let key: Buffer;
          if (certKey && password === undefined) {
            if (!dev) return no("unknown_device", 4, "no such device");
            if (dev.status !== "active" || !dev.publicKey) return no("revoked", 4, `device is ${dev.status}${dev.publicKey ? "" : " without a key"}`);
            if (!Buffer.from(certKey).equals(Buffer.from(dev.publicKey))) return no("wrong_certificate", 4, "the client certificate's key is not the device's registered key");
            key = Buffer.from(dev.publicKey);
          } else {
            if (username === undefined) return no("anonymous", 4, "anonymous clients are not accepted: user name = device id, password = device token, or a client certificate with the device's key");
            const t = checkDeviceToken(username, password, dev, (k, m, s) => verify(id, k, m, s));
            if (!t.ok) return no(t.reason, 4, t.message);
            key = Buffer.from(dev!.publicKey!);
          }
          if (!dev) return no("unknown_device", 4, "no such device");
          sessions.set(client, { device: { id: dev.id, departmentId: dev.departmentId, datasetId: dev.datasetId, kind: dev.kind }, key });
          done(null, true);
        },
        (e: Error) => done(authError(3 as never, `device registry unavailable (${e.message})`), false),
      );
    };
    broker.on("client", (c: Client) => {
      if (sessions.has(c)) byDevice.set(c.id, c);
    });
    broker.on("clientDisconnect", (c: Client) => {
      if (byDevice.get(c.id) === c) byDevice.delete(c.id);
    });
    // A device whose key is revoked or rotated loses its connection at once; it reconnects with the new key.
    opts.intake.devices.onChange((set, del) => {
      for (const d of set) {
        const c = byDevice.get(d.id);
        const s = c && sessions.get(c);
        if (c && s && (d.status !== "active" || !d.publicKey || !s.key.equals(Buffer.from(d.publicKey)))) {
          opts.log?.(`mqtt: device ${d.id} disconnected: its key was ${d.status !== "active" ? "revoked" : "changed"}`);
          c.close();
        }
      }
      for (const id of del) byDevice.get(id)?.close();
    });
  }

  /** Each client's topics, parsed once with the context their messages are checked with (a device publishes to one or two). */
  const routes = new WeakMap<Client, Map<string, MqttRoute>>();
  const routeOf = (client: Client, topic: string): MqttRoute => {
    let mine = routes.get(client);
    if (!mine) routes.set(client, (mine = new Map()));
    let r = mine.get(topic);
    if (!r) {
      if (mine.size >= 16) mine.clear(); // a client that wanders over topics keeps only its latest few
      mine.set(topic, (r = mqttRoute(topic, `client ${client.id}`)));
    }
    return r;
  };

  broker.authorizePublish = (client, packet, callback) => {
    if (!client) return callback(new Error("no client")); // nothing is published on behalf of a client that is gone
    const session = sessions.get(client);
    if (authenticate) {
      const why = session ? publishRefusal(session.device, packet.topic, packet.retain) : "not authenticated";
      if (why) {
        refused(packet.retain ? "retained" : "topic", `${client.id}: ${why}; disconnected`);
        return callback(new Error(why));
      }
    } else {
      if (packet.topic.startsWith("$SYS")) return callback(new Error("$SYS topics are reserved"));
      if (packet.retain) return callback(new Error("retained messages are not accepted"));
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(String(packet.payload));
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
    const route = routeOf(client, packet.topic);
    if (route.parsed?.kind === "readings") {
      // Readings enter the intake together with the others that arrived in this turn.
      return inTurn(bytes, route.ctx, { client, callback }, 0);
    }
    if (turn.raws.length) submitTurn(); // the readings before it enter the intake first: arrival order is kept
    dispatchRouted(opts.intake, route, bytes).then(
      () => acknowledge(client, callback, null),
      (e: Error) => acknowledge(client, callback, e),
    );
  };
  const notStored = (client: Client, e: Error) => opts.log?.(`mqtt: message from ${client.id} not stored (${e.message}); disconnecting it so it resends`);
  /** Answers a publish once the intake settled it: the PUBACK when it is stored, else the client is disconnected (it resends). */
  const acknowledge = (client: Client, callback: (e: Error | null) => void, e: Error | null | undefined) => {
    if (e) {
      notStored(client, e);
      return callback(e);
    }
    // Every message of a commit is acknowledged in the same turn: corked until the next
    // tick, the client's PUBACKs leave in one write instead of a system call each.
    const conn = client.conn as { cork?: () => void; uncork?: () => void };
    conn.cork?.();
    callback(null);
    process.nextTick(() => conn.uncork?.());
  };
  /**
   * The readings every client sent in one turn of the event loop (aedes parses each socket's
   * read into messages at once): they enter the intake as one entry, as an NDJSON request
   * does, each still answered on its own once stored (Intake.submitReadings). A message taken
   * by the lean path (lean-publish.ts) is answered through its connection with its message
   * id; one that came through aedes' handlers through their callback.
   */
  type Turn = { raws: Uint8Array[]; ctxs: MessageContext[]; acks: (LeanConn<MessageContext> | { client: Client; callback: (e: Error | null) => void })[]; ids: number[] };
  const newTurn = (): Turn => ({ raws: [], ctxs: [], acks: [], ids: [] });
  let turn = newTurn();
  const inTurn = (raw: Uint8Array, ctx: MessageContext, ack: Turn["acks"][number], messageId: number) => {
    if (turn.raws.length === 0) setImmediate(submitTurn);
    turn.raws.push(raw);
    turn.ctxs.push(ctx);
    turn.acks.push(ack);
    turn.ids.push(messageId);
  };
  const submitTurn = () => {
    if (turn.raws.length === 0) return; // already submitted, ahead of a message of another kind
    const t = turn;
    turn = newTurn();
    opts.intake.submitReadings(t.raws, t.ctxs, (i, _o, e) => {
      const a = t.acks[i];
      if (a instanceof LeanConn) a.settle(t.ids[i], e);
      else acknowledge(a.client, a.callback, e);
    });
  };
  /**
   * QoS 1 readings on a topic the client may publish them to skip aedes' handlers
   * (lean-publish.ts): the same checks (authentication, the topic's ACL, no retain) decided
   * once per client and topic, the same turn, the PUBACK after the commit.
   */
  const lean = new LeanPublish<MessageContext>({
    route: (client, topic) => {
      if (authenticate) {
        const session = sessions.get(client);
        if (!session || publishRefusal(session.device, topic, false)) return null;
      } else if (topic.startsWith("$SYS")) return null;
      const r = mqttRoute(topic, `client ${client.id}`);
      return r.parsed?.kind === "readings" ? r.ctx : null;
    },
    take: (conn, ctx, payload, messageId) => inTurn(payload, ctx, conn, messageId),
    failed: (client, e) => notStored(client, e),
  });
  broker.authorizeSubscribe = (client, sub, callback) => {
    const session = sessions.get(client);
    refused("subscribe", `${client.id}: ${session ? subscribeRefusal(session.device, sub.topic) : "subscriptions are not accepted"}`);
    callback(null, null); // SUBACK 0x80: the subscription is refused, the connection stays
  };

  const listen = (server: net.Server, port: number, on: string) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, on, () => {
        server.off("error", reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const handle = (s: net.Socket) => void lean.attach(broker.handle(s));
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  const main = opts.tls
    ? tls.createServer(
        {
          cert: opts.tls.cert,
          key: opts.tls.key,
          minVersion: "TLSv1.2",
          // A device may present a certificate carrying its registered Ed25519 key instead of a token;
          // its chain is not checked (the registry is the authority), the handshake proves the key.
          requestCert: authenticate,
          rejectUnauthorized: false,
          handshakeTimeout: 10_000,
        },
        (s) => {
          track(s);
          handle(s);
        },
      )
    : net.createServer({ highWaterMark: READ_AHEAD_BYTES }, (s) => {
        track(s);
        handle(s);
      });
  // A TLS handshake that fails (a plaintext client, a client distrusting the CA) is the client's problem, not the broker's.
  main.on("tlsClientError", (e: Error, s: tls.TLSSocket) => refused("tls", `TLS handshake from ${s?.remoteAddress ?? "?"} failed (${e.message.slice(0, 120)})`));
  servers.push(main);
  let port: number;
  let plainPort: number | null = null;
  try {
    port = await listen(main, opts.port, host);
    if (opts.plainPort !== undefined) {
      const plain = net.createServer({ highWaterMark: READ_AHEAD_BYTES }, (s) => {
        track(s);
        handle(s);
      });
      servers.push(plain);
      plainPort = await listen(plain, opts.plainPort, "127.0.0.1");
    }
  } catch (e) {
    for (const s of servers) s.close();
    await new Promise<void>((r) => broker.close(() => r()));
    throw e;
  }
  // A wildcard address is reached on loopback (which the generated certificate names).
  const urlHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
  return {
    port,
    host,
    url: `${opts.tls ? "mqtts" : "mqtt"}://${urlHost}:${port}`,
    plainPort,
    ca: opts.tls?.ca ?? "",
    refusals: () => ({ ...counts }),
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/** A fingerprint of a CA certificate (for logs): SHA-256 of its DER, first 16 hex digits. */
export function caFingerprint(pem: string): string {
  try {
    return new crypto.X509Certificate(pem).fingerprint256.replace(/:/g, "").slice(0, 16).toLowerCase();
  } catch {
    return "unknown";
  }
}
