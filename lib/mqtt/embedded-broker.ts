import net from "node:net";
import { Aedes } from "aedes";
import type { Intake } from "../ingest/intake";
import { dispatchMqttMessage } from "./dispatch";

export type EmbeddedBroker = { port: number; host: string; close(): Promise<void> };

/**
 * Starts the console's own MQTT broker (aedes, in-memory state) on host:port and feeds
 * every publish to the intake. A QoS 1 publish is acknowledged (PUBACK) only after the
 * intake has committed it, as readings or as a dead letter: aedes sends the PUBACK when
 * authorizePublish calls back, and that callback waits for the commit. If the commit fails
 * the client is disconnected without a PUBACK and resends on reconnect. Clients may not
 * subscribe to intake topics: readings are not relayed to other clients.
 */
export async function startEmbeddedBroker(opts: { intake: Intake; port: number; host?: string; log?: (m: string) => void }): Promise<EmbeddedBroker> {
  const host = opts.host ?? "127.0.0.1";
  const broker = await Aedes.createBroker({ drainTimeout: 30_000, concurrency: 1000 });
  broker.authorizePublish = (client, packet, callback) => {
    if (!client) return callback(null); // a will published after its client is gone
    if (packet.topic.startsWith("$SYS")) return callback(new Error("$SYS topics are reserved"));
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(String(packet.payload));
    dispatchMqttMessage(opts.intake, packet.topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), `client ${client.id}`).then(
      () => {
        // Every message of a commit is acknowledged in the same turn: corked until the next
        // tick, the client's PUBACKs leave in one write instead of a system call each.
        const conn = client.conn as { cork?: () => void; uncork?: () => void };
        conn.cork?.();
        callback(null);
        process.nextTick(() => conn.uncork?.());
      },
      (e: Error) => {
        opts.log?.(`mqtt: message from ${client.id} not stored (${e.message}); disconnecting it so it resends`);
        callback(e);
      },
    );
  };
  broker.authorizeSubscribe = (_client, sub, callback) => {
    if (sub.topic.startsWith("city/") || sub.topic === "#" || sub.topic.startsWith("+")) return callback(null, null);
    callback(null, sub);
  };
  const server = net.createServer(broker.handle as (s: net.Socket) => void);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    host,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
