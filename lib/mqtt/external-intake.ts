import mqtt, { type MqttClient } from "mqtt";
import type { Intake } from "../ingest/intake";
import { dispatchMqttMessage } from "./dispatch";
import { BATCHES_FILTER, READINGS_FILTER } from "./topics";

export type ExternalIntake = { client: MqttClient; connected(): boolean; close(): Promise<void> };

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * Subscribes to the intake topics on an external broker (MQTT_URL, e.g. Mosquitto) with
 * QoS 1 and a persistent session (clean: false, a fixed client id), so the broker keeps
 * messages while the console is away. Each message is acknowledged only after the intake
 * committed it: mqtt.js sends the PUBACK when handleMessage calls back. mqtt.js handles one
 * message at a time per connection, so this path stores one message per commit. When a
 * commit fails, the connection is dropped without a PUBACK and the broker redelivers.
 * Reconnects back off from 0.5 s to 30 s.
 */
export function startExternalIntake(opts: { intake: Intake; url: string; clientId?: string; log?: (m: string) => void }): ExternalIntake {
  let backoff = MIN_BACKOFF_MS;
  const client = mqtt.connect(opts.url, {
    clientId: opts.clientId ?? "city-brain-intake",
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: MIN_BACKOFF_MS,
    connectTimeout: 10_000,
    keepalive: 30,
    resubscribe: true,
  });
  client.handleMessage = (packet, callback) => {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(String(packet.payload));
    dispatchMqttMessage(opts.intake, packet.topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), `broker ${opts.url.replace(/\/\/[^@/]*@/, "//")}`).then(
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
    opts.log?.(`mqtt: connected to ${opts.url.replace(/\/\/[^@/]*@/, "//")}${ack.sessionPresent ? " (session resumed)" : ""}`);
    client.subscribe({ [READINGS_FILTER]: { qos: 1 }, [BATCHES_FILTER]: { qos: 1 } }, (err) => {
      if (err) opts.log?.(`mqtt: subscribe failed: ${err.message}`);
    });
  });
  client.on("close", () => {
    client.options.reconnectPeriod = backoff;
    backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
  });
  client.on("error", (e) => opts.log?.(`mqtt: ${e.message}`));
  return {
    client,
    connected: () => client.connected,
    close: () => client.endAsync(false).then(() => undefined),
  };
}
