import mqtt, { type MqttClient } from "mqtt";
import { DATASETS, DEPARTMENTS } from "../city/datasets";
import type { Intake } from "../ingest/intake";
import { dispatchMqttMessage } from "./dispatch";
import { batchesTopic, readingsTopic } from "./topics";

export type ExternalIntake = {
  clients: MqttClient[];
  connected(): boolean;
  /** Milliseconds since the last message came or the last one in flight settled (0 while any is in flight). */
  idleMs(): number;
  /** Holds every message that comes from now on until resume() is called, or `maxMs` passed. */
  pause(maxMs: number): () => void;
  close(): Promise<void>;
};

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * The topics the intake takes from an external broker, one subscription (and connection)
 * each: every dataset's readings topic and every department's gateway topic, plus a
 * catch-all for `city/#` that dead-letters messages on any other topic. A device always
 * publishes to the same topic, so its readings keep their order on one connection.
 */
export function intakePartitions(): string[] {
  return [...DATASETS.map((d) => readingsTopic(d.departmentId, d.id)), ...DEPARTMENTS.map((d) => batchesTopic(d.id))];
}

/** Most messages of one connection being checked and stored at once. */
const MAX_IN_FLIGHT = 2000;

type Packet = { cmd: string; messageId?: number };
type SendPacket = (packet: Packet, cb?: (err?: Error) => void, cbStorePut?: () => void, noStore?: boolean) => void;

/**
 * Subscribes to the intake topics on an external broker (MQTT_URL, e.g. Mosquitto) with
 * QoS 1 and persistent sessions (clean: false, fixed client ids), so the broker keeps
 * messages while the console is away. Each message is acknowledged only after the intake
 * committed it, but many are in flight at once: mqtt.js handles one message at a time per
 * connection and sends the PUBACK when handleMessage calls back, so handleMessage hands the
 * message to the intake and calls back at once (mqtt.js reads the next one), and the PUBACK
 * mqtt.js then sends is held until that message's commit, PUBACKs leaving in the order the
 * messages came (MQTT 3.1.1 §4.6). The broker bounds how many are in flight (Mosquitto's
 * max_inflight_messages, 20 by default); MAX_IN_FLIGHT bounds it here. The topics are spread
 * over one connection each (intakePartitions), so a device's readings keep their order and
 * messages of different topics share commits. When a commit fails, that connection is
 * dropped with the PUBACKs it still held and the broker redelivers. Reconnects back off
 * from 0.5 s to 30 s.
 *
 * With `share` (a cluster, lib/mqtt/intake-slots.ts) every filter is a shared subscription
 * `$share/<share>/<topic>`: each process subscribes with its own client ids and the broker
 * hands each message to one of them. With `drain`, the connections resume their sessions
 * only to take the messages the broker had queued for them and unsubscribe at once, so
 * nothing new is routed to them (a survivor drains a dead process's sessions this way).
 */
export function startExternalIntake(opts: { intake: Intake; url: string; clientId?: string; tls?: ExternalTls; log?: (m: string) => void; share?: string; drain?: boolean }): ExternalIntake {
  const base = opts.clientId ?? "city-brain-intake";
  const shared = (filter: string) => (opts.share ? `$share/${opts.share}/${filter}` : filter);
  let lastActive = Date.now();
  let totalInFlight = 0;
  // While paused, a connection's next message waits here (mqtt.js reads on once it is called back).
  let gate: Promise<void> | null = null;
  const tlsOptions = externalTlsOptions(opts.url, opts.tls);
  const safeUrl = opts.url.replace(/\/\/[^@/]*@/, "//");
  const partitions = intakePartitions();
  const known = new Set(partitions);
  const connect = (filter: string, clientId: string, catchAll: boolean): MqttClient => {
    let backoff = MIN_BACKOFF_MS;
    const client = mqtt.connect(opts.url, { ...tlsOptions, clientId, clean: false, protocolVersion: 4, reconnectPeriod: MIN_BACKOFF_MS, connectTimeout: 10_000, keepalive: 30, resubscribe: !opts.drain });
    // Per connection: the commit each unsent PUBACK waits for, the chain that keeps PUBACKs in
    // order, and a generation that a reconnect bumps (a PUBACK is never sent on a later connection).
    let generation = 0;
    const held = new Map<number, Promise<void>>();
    let ackChain: Promise<void> = Promise.resolve();
    let inFlight = 0;
    const waiting: (() => void)[] = [];
    const settled = () => {
      inFlight--;
      totalInFlight--;
      lastActive = Date.now();
      waiting.shift()?.();
    };
    const dropConnection = (topic: string, e: Error) => {
      opts.log?.(`mqtt: message on ${topic} not stored (${e.message}); reconnecting so the broker redelivers it`);
      client.stream?.destroy();
    };
    client.handleMessage = (packet, callback) => {
      if (gate) return void gate.then(() => client.handleMessage(packet, callback));
      // The catch-all sees every city/ message; those of a partition are another connection's.
      if (catchAll && known.has(packet.topic)) return callback();
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(String(packet.payload));
      const stored = dispatchMqttMessage(opts.intake, packet.topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), `broker ${safeUrl}`);
      inFlight++;
      totalInFlight++;
      lastActive = Date.now();
      stored.then(settled, settled);
      if (packet.qos === 1 && packet.messageId !== undefined) held.set(packet.messageId, stored);
      else {
        const gen = generation;
        stored.catch((e: Error) => gen === generation && dropConnection(packet.topic, e));
      }
      if (inFlight <= MAX_IN_FLIGHT) callback();
      else waiting.push(() => callback());
    };
    const send = (client as unknown as { _sendPacket: SendPacket })._sendPacket.bind(client);
    (client as unknown as { _sendPacket: SendPacket })._sendPacket = (packet, cb, cbStorePut, noStore) => {
      const stored = packet.cmd === "puback" && packet.messageId !== undefined ? held.get(packet.messageId) : undefined;
      if (!stored) return send(packet, cb, cbStorePut, noStore);
      held.delete(packet.messageId!);
      const gen = generation;
      ackChain = ackChain
        .then(() => stored)
        .then(
          () => {
            if (gen === generation) send(packet);
          },
          (e: Error) => {
            if (gen === generation) dropConnection("an intake topic", e);
          },
        );
      cb?.();
    };
    client.on("close", () => {
      generation++;
      held.clear();
      ackChain = Promise.resolve();
    });
    client.on("connect", (ack) => {
      lastActive = Date.now();
      backoff = MIN_BACKOFF_MS;
      client.options.reconnectPeriod = backoff;
      if (catchAll && !opts.drain) opts.log?.(`mqtt: connected to ${safeUrl}${ack.sessionPresent ? " (session resumed)" : ""}`);
      if (opts.drain) {
        client.unsubscribe(shared(filter), (err) => {
          if (err) opts.log?.(`mqtt: unsubscribing ${client.options.clientId} from ${filter} failed: ${err.message}`);
        });
        return;
      }
      client.subscribe(shared(filter), { qos: 1 }, (err) => {
        if (err) opts.log?.(`mqtt: subscribing to ${filter} failed: ${err.message}`);
      });
    });
    client.on("close", () => {
      client.options.reconnectPeriod = backoff;
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    });
    client.on("error", (e) => opts.log?.(`mqtt: ${e.message}`));
    return client;
  };
  const clients = [...partitions.map((t, i) => connect(t, `${base}-${i}`, false)), connect("city/#", `${base}-all`, true)];
  return {
    clients,
    connected: () => clients.every((c) => c.connected),
    idleMs: () => (totalInFlight > 0 ? 0 : Date.now() - lastActive),
    pause(maxMs) {
      let open = () => {};
      const g = new Promise<void>((r) => (open = r));
      gate = g;
      const resume = () => {
        clearTimeout(timer);
        if (gate === g) gate = null;
        open();
      };
      const timer = setTimeout(resume, maxMs);
      return resume;
    },
    close: () => Promise.all(clients.map((c) => c.endAsync(false))).then(() => undefined),
  };
}

/**
 * TLS for an mqtts:// MQTT_URL, as PEM text: the CA that signed the broker's certificate
 * (MQTT_CA; Node's own trust store when unset) and the intake's client certificate and key
 * (MQTT_CLIENT_CERT, MQTT_CLIENT_KEY) for a broker that requires one. The broker's
 * certificate is always verified, host name included.
 */
export type ExternalTls = { ca?: string; cert?: string; key?: string };

/** mqtt.js connect options for the URL's TLS; throws a clear error when TLS settings come with a plaintext URL or a key without a certificate. */
export function externalTlsOptions(url: string, t: ExternalTls | undefined): { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean } {
  const secure = /^mqtts:\/\//.test(url);
  if (!t || (!t.ca && !t.cert && !t.key)) return secure ? { rejectUnauthorized: true } : {};
  if (!secure) throw new Error("MQTT_CA, MQTT_CLIENT_CERT and MQTT_CLIENT_KEY need an mqtts:// MQTT_URL (TLS)");
  if (!!t.cert !== !!t.key) throw new Error("MQTT_CLIENT_CERT and MQTT_CLIENT_KEY must be set together");
  return { ...(t.ca ? { ca: t.ca } : {}), ...(t.cert ? { cert: t.cert, key: t.key } : {}), rejectUnauthorized: true };
}

/** Ends the persistent sessions startExternalIntake left on the broker (for tests and benchmarks). */
export async function discardExternalSessions(url: string, clientId = "city-brain-intake", tls?: ExternalTls): Promise<void> {
  const ids = [...intakePartitions().map((_, i) => `${clientId}-${i}`), `${clientId}-all`];
  const tlsOptions = externalTlsOptions(url, tls);
  await Promise.all(
    ids.map(async (id) => {
      const c = await mqtt.connectAsync(url, { ...tlsOptions, clientId: id, clean: true, reconnectPeriod: 0, connectTimeout: 3000 }).catch(() => null);
      await c?.endAsync(true).catch(() => {});
    }),
  );
}
