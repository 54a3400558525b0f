import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { parseTrustedProxies } from "./http/client-address";

/** The console's group commit pacing, ms (INGEST_COMMIT_INTERVAL_MS; lib/ingest/intake.ts commitIntervalMs). */
export const DEFAULT_COMMIT_INTERVAL_MS = 100;

/** Runtime configuration, read once from the environment and validated with zod. */
const EnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  DATA_DIR: z.string().min(1).default("./data"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  MQTT_PORT: z.coerce.number().int().min(1).max(65535).default(18830),
  MQTT_URL: z.string().regex(/^mqtts?:\/\//, "must start with mqtt:// or mqtts://").optional(),
  MQTT_HOST: z.string().min(1).default("127.0.0.1"),
  MQTT_CLIENT_ID: z.string().min(1).max(64).default("city-brain-intake"),
  // ---- Encrypted, authenticated device transport (issue 13) ----
  /** The embedded broker's TLS certificate and key (PEM files); unset: a local CA and certificate generated into DATA_DIR/secrets/mqtt-tls. */
  MQTT_TLS_CERT: z.string().min(1).optional(),
  MQTT_TLS_KEY: z.string().min(1).optional(),
  /** The CA certificate devices trust for MQTT_TLS_CERT (given to the simulator). */
  MQTT_TLS_CA: z.string().min(1).optional(),
  /** An extra plaintext MQTT listener on 127.0.0.1 only, authenticated like the TLS one (default off). */
  MQTT_PLAINTEXT_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** MQTT_URL mode: the CA of the external broker's certificate (PEM file; default the system's), and the intake's client certificate and key. */
  MQTT_CA: z.string().min(1).optional(),
  MQTT_CLIENT_CERT: z.string().min(1).optional(),
  MQTT_CLIENT_KEY: z.string().min(1).optional(),
  /** The console serves HTTPS itself with this certificate and key (PEM files); both or neither. */
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
  INGEST_MAX_MESSAGE_BYTES: z.coerce.number().int().min(256).max(16 * 1024 * 1024).default(16 * 1024),
  INGEST_MAX_BATCH_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(8 * 1024 * 1024),
  /** Message bytes the intake holds waiting for storage before it answers "busy" (503; MQTT: no PUBACK). */
  INGEST_MAX_QUEUED_BYTES: z.coerce.number().int().min(64 * 1024).max(4 * 1024 * 1024 * 1024).default(16 * 1024 * 1024),
  /** How far below a device's last seq a late reading never stored is still taken (lib/ingest/commit.ts SEQ_WINDOW; 0: strictly increasing). */
  INGEST_SEQ_WINDOW: z.coerce.number().int().min(0).max(1_000_000).default(1024),
  INGEST_WORKERS: z.coerce.number().int().min(0).max(64).optional(),
  /** Group commit pacing: a transaction of fewer than 500 readings starts at least this many ms after the previous one (0: at once; lib/ingest/intake.ts). */
  INGEST_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(5000).default(DEFAULT_COMMIT_INTERVAL_MS),
  /**
   * Ingest transactions in flight on PostgreSQL: 2 writes a group's reading rows while the group
   * before commits, in commit order (lib/ingest/writer-turns.ts); 1, the default, one writer (two
   * were not told apart from one on this project's 2-core machines: README "Two writers"). PGlite always has one.
   */
  INGEST_WRITERS: z.coerce.number().int().min(1).max(2).default(1),
  /** Whole-refused HTTP intake requests allowed per client address and minute before 429 (0: no limit). */
  INGEST_REFUSED_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(60),
  /** Dead letters kept per minute; past it refusals are answered but dropped and counted (0: no cap). */
  DEAD_LETTER_MAX_PER_MINUTE: z.coerce.number().int().min(0).max(10_000_000).default(1000),
  LEDGER_ORIGIN: z.string().min(1).default("yantai.city-brain.example/ledger"),
  CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
  WITNESS_QUORUM: z.coerce.number().int().min(1).max(100).optional(),
  /** Witnesses in their own processes: `department|url|verifierKey`, comma-separated. */
  REMOTE_WITNESSES: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return [];
      return s.split(",").map((part) => {
        const [department, url, verifierKey] = part.trim().split("|");
        if (!department || !/^https?:\/\//.test(url ?? "") || !verifierKey) {
          ctx.addIssue({ code: "custom", message: `entry ${JSON.stringify(part)} must be department|http(s)://url|verifierKey` });
        }
        return { department, url, verifierKey };
      });
    }),
  /** A city model written by `npm run city:import` (an imported OpenStreetMap city); unset: the generated city. */
  CITY_FILE: z
    .string()
    .min(1)
    .optional()
    .superRefine((v, ctx) => {
      // Missing or unreadable: refused before the database opens (its content is checked when the city loads).
      if (v === undefined) return;
      try {
        fs.accessSync(v, fs.constants.R_OK);
      } catch (e) {
        ctx.addIssue({ code: "custom", message: `${path.resolve(v)} cannot be read (${(e as NodeJS.ErrnoException).code}); make one with npm run city:import` });
      }
    }),
  CITY_SEED: z.string().min(1).default("yantai"),
  CITY_SIZE: z.coerce.number().min(0.05).max(20).default(1),
  /** Share of the readings in each gateway batch whose device signatures are checked (at least one per batch). */
  GATEWAY_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0.02),
  /** After a gateway's quarantine is released, every reading it carries is checked for this many hours. */
  GATEWAY_SUSPECT_HOURS: z.coerce.number().min(0).max(24 * 365).default(24),
  SIM_INTERVAL_MS: z.coerce.number().int().min(200).max(3_600_000).default(3000),
  /**
   * Days of readings kept in the database: each day partition of reading older than this is
   * exported to DATA_DIR/archive (gzip NDJSON with a manifest) and dropped, its ledger leaves
   * and tree kept (lib/ingest/archive-readings.ts). 0: keep every reading.
   */
  READING_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(0),
  /**
   * Hours of history the simulator backfills through the signed intake at the first start
   * (one reading per device per 5 minutes, newest first, in the background); 0: none.
   */
  SIM_BACKFILL_HOURS: z.coerce.number().min(0).max(168).default(24),
  /** Seconds after the simulator's first tick before the backfill starts, so the first map is not delayed. */
  SIM_BACKFILL_DELAY_S: z.coerce.number().min(0).max(3600).default(10),
  SIM_ENABLED: z
    .enum(["0", "1", "true", "false"])
    .default("1")
    .transform((v) => v === "1" || v === "true"),
  // ---- Sign-in, grants, rules, access events (issue 7) ----
  /** Public URL of the console (Better Auth's base URL); https makes cookies Secure. Default http://HOST:PORT. */
  AUTH_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Session signing secret (32+ characters); generated into DATA_DIR/secrets/ when unset. */
  BETTER_AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** More origins allowed to send state-changing requests, comma-separated. */
  AUTH_TRUSTED_ORIGINS: z.string().optional(),
  /** Demo users per department and role, created at the first start: default on for the embedded database. */
  DEMO_USERS: z.enum(["0", "1", "true", "false"]).optional(),
  /** Failed sign-ins allowed per account and address within SIGNIN_WINDOW_SECONDS. */
  SIGNIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  SIGNIN_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /** Sign-in attempts allowed per address and minute. */
  SIGNIN_MAX_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  /** Proxies whose X-Forwarded-For is believed: comma-separated addresses and CIDR ranges (default none). */
  TRUSTED_PROXIES: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      try {
        parseTrustedProxies(v);
      } catch (e) {
        ctx.addIssue({ code: "custom", message: (e as Error).message });
      }
    }),
  /** Every role's password-only session must pass TOTP before it reads data (default off: only admin roles need it). */
  REQUIRE_TOTP_ALL: z.enum(["0", "1", "true", "false"]).default("0").transform((v) => v === "1" || v === "true"),
  /** OIDC single sign-on (off unless OIDC_DISCOVERY_URL and OIDC_CLIENT_ID are set). */
  OIDC_DISCOVERY_URL: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  OIDC_PROVIDER_NAME: z.string().min(1).max(64).default("SSO"),
  OIDC_DEPARTMENT_CLAIM: z.string().min(1).default("department"),
  OIDC_DEFAULT_DEPARTMENT: z.string().min(1).optional(),
  /** Trust the identity provider's own MFA for dept_admin and sysadmin sessions. */
  OIDC_MFA_TRUSTED: z.enum(["0", "1", "true", "false"]).default("0").transform((v) => v === "1" || v === "true"),
  /**
   * Bearer token for GET /api/metrics (process memory, heap, event-loop delay, database size,
   * in Prometheus text format); unset: the endpoint answers 404. 24+ characters.
   */
  METRICS_TOKEN: z.string().min(24, "must be at least 24 characters").optional(),
  GRANT_EXPIRY_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(2000),
  /** Grants ending within this many hours show as "expiring soon". */
  GRANT_EXPIRING_SOON_HOURS: z.coerce.number().min(0).max(24 * 90).default(72),
  RULES_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(2000),
  ACCESS_LOG_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(5000),
  /**
   * Aggregates shown under an aggregated (or anonymized) grant cover at least this many
   * distinct devices; smaller groups are suppressed and marked so (k-anonymity).
   */
  ACCESS_MIN_GROUP_DEVICES: z.coerce.number().int().min(1).max(1000).default(5),
  /** Citizen reports one reporter key may file per window (lib/citizen/report-limiter.ts; 0: no limit per key). */
  REPORT_LIMIT_PER_KEY: z.coerce.number().int().min(0).max(1_000_000).default(10),
  /** Citizen reports one client address may file per window, signed or not (0: no limit per address). */
  REPORT_LIMIT_PER_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).default(30),
  /** The window of those limits, in minutes. */
  REPORT_LIMIT_WINDOW_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
});

export type Config = z.infer<typeof EnvSchema> & { dataDir: string };

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`environment variable ${issue.path.join(".")} ${issue.message}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}
