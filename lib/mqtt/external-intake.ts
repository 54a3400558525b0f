import mqtt, { type MqttClient } from "mqtt";
import { DATASETS, DEPARTMENTS } from "../city/datasets";
import type { Intake } from "../ingest/intake";
import { dispatchMqttMessage } from "./dispatch";
import { batchesTopic, readingsTopic } from "./topics";

export type ExternalIntake = { clients: MqttClient[]; connected(): boolean; close(): Promise<void> };

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

/**
 * Subscribes to the intake topics on an external broker (MQTT_URL, e.g. Mosquitto) with
 * QoS 1 and persistent sessions (clean: false, fixed client ids), so the broker keeps
 * messages while the console is away. Each message is acknowledged only after the intake
 * committed it: mqtt.js sends the PUBACK when handleMessage calls back. mqtt.js handles one
 * message at a time per connection, so the topics are spread over one connection each
 * (intakePartitions) and messages of different topics share commits. When a commit fails,
 * that connection is dropped without a PUBACK and the broker redelivers. Reconnects back off
 * from 0.5 s to 30 s.
 */
export function startExternalIntake(opts: { intake: Intake; url: string; clientId?: string; log?: (m: string) => void }): ExternalIntake {
  const base = opts.clientId ?? "city-brain-intake";
  const safeUrl = opts.url.replace(/\/\/[^@/]*@/, "//");
  const partitions = intakePartitions();
  const known = new Set(partitions);
  const connect = (filter: string, clientId: string, catchAll: boolean): MqttClient => {
    let backoff = MIN_BACKOFF_MS;
    const client = mqtt.connect(opts.url, { clientId, clean: false, protocolVersion: 4, reconnectPeriod: MIN_BACKOFF_MS, connectTimeout: 10_000, keepalive: 30, resubscribe: true });
    client.handleMessage = (packet, callback) => {
      // The catch-all sees every city/ message; those of a partition are another connection's.
      if (catchAll && known.has(packet.topic)) return callback();
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(String(packet.payload));
      dispatchMqttMessage(opts.intake, packet.topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), `broker ${safeUrl}`).then(
        () => callback(),
        (e: Error) => {
          opts.log?.(`mqtt: message on ${packet.topic} not stored (${e.message}); reconnecting so the broker redelivers it`);
          callback(e);
          client.stream?.destroy();
        },
      );
    };
    client.on("connect", (ack) => {
      backoff = MIN_BACKOFF_MS;
      client.options.reconnectPeriod = backoff;
      if (catchAll) opts.log?.(`mqtt: connected to ${safeUrl}${ack.sessionPresent ? " (session resumed)" : ""}`);
      client.subscribe(filter, { qos: 1 }, (err) => {
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
    close: () => Promise.all(clients.map((c) => c.endAsync(false))).then(() => undefined),
  };
}

/** Ends the persistent sessions startExternalIntake left on the broker (for tests and benchmarks). */
export async function discardExternalSessions(url: string, clientId = "city-brain-intake"): Promise<void> {
  const ids = [...intakePartitions().map((_, i) => `${clientId}-${i}`), `${clientId}-all`];
  await Promise.all(
    ids.map(async (id) => {
      const c = await mqtt.connectAsync(url, { clientId: id, clean: true, reconnectPeriod: 0, connectTimeout: 3000 }).catch(() => null);
      await c?.endAsync(true).catch(() => {});
    }),
  );
}
