import { deadLetterCap } from "./dead-letter-cap";
import type { Config } from "../config";
import type { Sql } from "../db/sql";
import { startEmbeddedBroker, type EmbeddedBroker } from "../mqtt/embedded-broker";
import { startExternalIntake, type ExternalIntake } from "../mqtt/external-intake";
import { brokerTls, externalTlsFiles } from "../mqtt/tls-files";
import { startSharedIntake, type SharedIntake } from "../mqtt/intake-slots";
import type { Leadership } from "../cluster/leader";
import { Intake } from "./intake";
import { setIntake } from "./intake-instance";
import type { OnCommit } from "./commit";

export type IngestService = {
  intake: Intake;
  broker: EmbeddedBroker | null;
  external: ExternalIntake | null;
  /** In a cluster (`cluster` given, MQTT_URL set): this process's slot and shared subscriptions. */
  shared: SharedIntake | null;
  /** mqtts:// URL devices (and the simulator) publish to (MQTT_URL in external mode). */
  mqttUrl: string;
  /** PEM of the CA devices trust for mqttUrl (the embedded broker's, or MQTT_CA); undefined: the system's. */
  mqttCa?: string;
  stop(): Promise<void>;
};

/**
 * Starts the intake with its verification workers and its MQTT side: the embedded broker on
 * MQTT_HOST:MQTT_PORT by default, or a subscription to MQTT_URL when that is set. HTTP
 * intake goes through the route handlers, which use the same intake (setIntake).
 */
export async function startIngest(opts: {
  sql: Sql;
  config: Pick<Config, "MQTT_URL" | "MQTT_PORT" | "MQTT_HOST" | "MQTT_CLIENT_ID" | "INGEST_MAX_MESSAGE_BYTES" | "INGEST_MAX_BATCH_BYTES" | "INGEST_WORKERS"> &
    Partial<Pick<Config, "DEAD_LETTER_MAX_PER_MINUTE" | "INGEST_MAX_QUEUED_BYTES" | "INGEST_COMMIT_INTERVAL_MS" | "INGEST_WRITERS" | "INGEST_SEQ_WINDOW" | "GATEWAY_SAMPLE_RATE" | "dataDir" | "MQTT_TLS_CERT" | "MQTT_TLS_KEY" | "MQTT_TLS_CA" | "MQTT_PLAINTEXT_PORT" | "MQTT_CA" | "MQTT_CLIENT_CERT" | "MQTT_CLIENT_KEY">>;
  /** Called inside each commit's transaction with the readings it stored (see commit.ts). */
  onCommit?: OnCommit;
  /** Several console processes share the database and MQTT_URL: subscribe with shared subscriptions (lib/mqtt/intake-slots.ts). */
  cluster?: Leadership;
  log: (m: string) => void;
}): Promise<IngestService> {
  const { config } = opts;
  deadLetterCap().setMax(config.DEAD_LETTER_MAX_PER_MINUTE ?? 1000);
  const intake = await Intake.start({
    sql: opts.sql,
    maxMessageBytes: config.INGEST_MAX_MESSAGE_BYTES,
    maxBatchBytes: config.INGEST_MAX_BATCH_BYTES,
    maxQueuedBytes: config.INGEST_MAX_QUEUED_BYTES,
    commitIntervalMs: config.INGEST_COMMIT_INTERVAL_MS,
    writers: config.INGEST_WRITERS,
    seqWindow: config.INGEST_SEQ_WINDOW,
    threads: config.INGEST_WORKERS,
    gatewaySampleRate: config.GATEWAY_SAMPLE_RATE,
    onCommit: opts.onCommit,
    log: opts.log,
  });
  setIntake(intake);
  let broker: EmbeddedBroker | null = null;
  let external: ExternalIntake | null = null;
  let shared: SharedIntake | null = null;
  let mqttUrl: string;
  let mqttCa: string | undefined;
  try {
    if (config.MQTT_URL) {
      const tls = externalTlsFiles({ ca: config.MQTT_CA, cert: config.MQTT_CLIENT_CERT, key: config.MQTT_CLIENT_KEY });
      if (opts.cluster) shared = await startSharedIntake({ intake, url: config.MQTT_URL, clientId: config.MQTT_CLIENT_ID, tls, leadership: opts.cluster, log: opts.log });
      else external = startExternalIntake({ intake, url: config.MQTT_URL, clientId: config.MQTT_CLIENT_ID, tls, log: opts.log });
      mqttUrl = config.MQTT_URL;
      mqttCa = tls?.ca;
    } else {
      // TLS always; a plaintext listener only on loopback and only when MQTT_PLAINTEXT_PORT asks for one (README).
      const tls = brokerTls({ dataDir: config.dataDir ?? "./data", hosts: [config.MQTT_HOST], cert: config.MQTT_TLS_CERT, key: config.MQTT_TLS_KEY, ca: config.MQTT_TLS_CA });
      broker = await startEmbeddedBroker({ intake, port: config.MQTT_PORT, host: config.MQTT_HOST, tls, plainPort: config.MQTT_PLAINTEXT_PORT, log: opts.log });
      mqttUrl = broker.url;
      mqttCa = broker.ca || undefined;
    }
  } catch (e) {
    await intake.close();
    setIntake(null);
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EADDRINUSE" && config.MQTT_PLAINTEXT_PORT !== undefined && (err as { port?: number }).port === config.MQTT_PLAINTEXT_PORT) {
      throw new Error(`MQTT plaintext port ${config.MQTT_PLAINTEXT_PORT} is in use; set MQTT_PLAINTEXT_PORT to a free port or unset it`);
    }
    if (err.code === "EADDRINUSE") throw new Error(`MQTT port ${config.MQTT_PORT} is in use; set MQTT_PORT to a free port or MQTT_URL to an external broker`);
    throw e;
  }
  opts.log(
    `intake ready: ${intake.stats().checkThreads} check threads (parse, schema, signatures), ${intake.devices.size} devices, ` +
      (broker ? `embedded MQTT broker on ${mqttUrl} (TLS, devices authenticate${broker.plainPort ? `; plaintext on 127.0.0.1:${broker.plainPort}` : ""})` : `subscribed to ${config.MQTT_URL!.replace(/\/\/[^@/]*@/, "//")}`),
  );
  return {
    intake,
    broker,
    external,
    shared,
    mqttUrl,
    mqttCa,
    async stop() {
      await external?.close().catch(() => {});
      await shared?.close().catch(() => {});
      await broker?.close().catch(() => {});
      await intake.close();
      setIntake(null);
    },
  };
}
