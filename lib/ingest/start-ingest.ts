import { deadLetterCap } from "./dead-letter-cap";
import type { Config } from "../config";
import type { Sql } from "../db/sql";
import { startEmbeddedBroker, type EmbeddedBroker } from "../mqtt/embedded-broker";
import { startExternalIntake, type ExternalIntake } from "../mqtt/external-intake";
import { Intake } from "./intake";
import { setIntake } from "./intake-instance";
import type { AcceptedReading } from "./store-readings";

export type IngestService = {
  intake: Intake;
  broker: EmbeddedBroker | null;
  external: ExternalIntake | null;
  /** mqtt:// URL devices (and the simulator) publish to. */
  mqttUrl: string;
  stop(): Promise<void>;
};

/**
 * Starts the intake with its verification workers and its MQTT side: the embedded broker on
 * MQTT_HOST:MQTT_PORT by default, or a subscription to MQTT_URL when that is set. HTTP
 * intake goes through the route handlers, which use the same intake (setIntake).
 */
export async function startIngest(opts: {
  sql: Sql;
  config: Pick<Config, "MQTT_URL" | "MQTT_PORT" | "MQTT_HOST" | "MQTT_CLIENT_ID" | "INGEST_MAX_MESSAGE_BYTES" | "INGEST_MAX_BATCH_BYTES" | "INGEST_WORKERS"> & Partial<Pick<Config, "DEAD_LETTER_MAX_PER_MINUTE" | "GATEWAY_SAMPLE_RATE">>;
  onStored?: (readings: AcceptedReading[]) => void;
  log: (m: string) => void;
}): Promise<IngestService> {
  const { config } = opts;
  deadLetterCap().setMax(config.DEAD_LETTER_MAX_PER_MINUTE ?? 1000);
  const intake = await Intake.start({
    sql: opts.sql,
    maxMessageBytes: config.INGEST_MAX_MESSAGE_BYTES,
    maxBatchBytes: config.INGEST_MAX_BATCH_BYTES,
    threads: config.INGEST_WORKERS,
    gatewaySampleRate: config.GATEWAY_SAMPLE_RATE,
    onStored: opts.onStored,
    log: opts.log,
  });
  setIntake(intake);
  let broker: EmbeddedBroker | null = null;
  let external: ExternalIntake | null = null;
  let mqttUrl: string;
  try {
    if (config.MQTT_URL) {
      external = startExternalIntake({ intake, url: config.MQTT_URL, clientId: config.MQTT_CLIENT_ID, log: opts.log });
      mqttUrl = config.MQTT_URL;
    } else {
      broker = await startEmbeddedBroker({ intake, port: config.MQTT_PORT, host: config.MQTT_HOST, log: opts.log });
      mqttUrl = `mqtt://${broker.host}:${broker.port}`;
    }
  } catch (e) {
    await intake.close();
    setIntake(null);
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EADDRINUSE") throw new Error(`MQTT port ${config.MQTT_PORT} is in use; set MQTT_PORT to a free port or MQTT_URL to an external broker`);
    throw e;
  }
  opts.log(
    `intake ready: ${intake.stats().checkThreads} check threads (parse, schema, signatures), ${intake.devices.size} devices, ` +
      (broker ? `embedded MQTT broker on ${mqttUrl}` : `subscribed to ${config.MQTT_URL!.replace(/\/\/[^@/]*@/, "//")}`),
  );
  return {
    intake,
    broker,
    external,
    mqttUrl,
    async stop() {
      await external?.close().catch(() => {});
      await broker?.close().catch(() => {});
      await intake.close();
      setIntake(null);
    },
  };
}
