// The arguments and environment of `npm run start:cluster` (scripts/start-cluster.ts), checked
// before anything starts.

export class ClusterUsageError extends Error {}

export type ClusterPlan = { processes: number; ports: number[]; host: string };

export const MAX_PROCESSES = 16;

/**
 * `--processes N` (1 to 16, default 2) processes on consecutive ports from PORT (3000).
 * Refuses the embedded database (PGlite is opened by one process only: a cluster needs
 * DATABASE_URL on a PostgreSQL server) and the embedded broker (every process would open its
 * own: a cluster needs MQTT_URL on a shared broker such as Mosquitto).
 */
export function clusterPlan(argv: string[], env: Record<string, string | undefined>): ClusterPlan {
  let processes = 2;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = a === "--processes" || a === "-n" ? argv[++i] : a.startsWith("--processes=") ? a.slice("--processes=".length) : null;
    if (v === null) throw new ClusterUsageError(`unknown argument ${JSON.stringify(a)} (usage: npm run start:cluster -- --processes N)`);
    if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_PROCESSES) {
      throw new ClusterUsageError(`--processes needs a whole number from 1 to ${MAX_PROCESSES}, got ${JSON.stringify(v ?? "")}`);
    }
    processes = Number(v);
  }
  if (!env.DATABASE_URL || !/^postgres(ql)?:\/\//.test(env.DATABASE_URL)) {
    throw new ClusterUsageError(
      "a cluster needs PostgreSQL: set DATABASE_URL=postgresql://… (the embedded PGlite database can be opened by one process only; use npm start for one process)",
    );
  }
  if (!env.MQTT_URL) {
    throw new ClusterUsageError("a cluster needs a shared MQTT broker: set MQTT_URL (e.g. mqtt://127.0.0.1:1883 for Mosquitto); each process would otherwise open its own embedded broker");
  }
  const base = env.PORT === undefined ? 3000 : Number(env.PORT);
  if (!Number.isInteger(base) || base < 1 || base + processes - 1 > 65535) throw new ClusterUsageError(`PORT must leave room for ${processes} consecutive ports, got ${JSON.stringify(env.PORT)}`);
  return { processes, ports: Array.from({ length: processes }, (_, i) => base + i), host: env.HOST ?? "127.0.0.1" };
}
