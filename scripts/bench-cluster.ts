// npm run bench:cluster – the console as 1 and as 2 processes on one PostgreSQL database and
// the machine's Mosquitto (MQTT_URL, default mqtt://127.0.0.1:1883; DATABASE_URL, default the
// local server's postgres database, where a fresh database is made per run and dropped).
// Each run offers the same signed traffic through the broker (BENCH_SENSORS sensors, each
// every BENCH_PERIOD_MS) and prints what was stored per second and the CPU per reading from
// /proc: the console processes (all their threads) and the PostgreSQL backends of the run's
// database. On two cores the figures say what a second process costs, not a speed-up. Then
// the leader of the 2-process run is SIGKILLed BENCH_KILLS times (a process started again in
// between, as a supervisor would) and the failover is timed: until the survivor holds the
// ledger role, and until a new checkpoint is stored. Run it under `flock /tmp/bench.lock`.
import fs from "node:fs";
import os from "node:os";
import pg from "pg";
import { DEFAULT_ADMIN_URL, freshPostgres } from "../lib/testing/fresh-database";
import { clusterEnv, discardClusterSessions, keyedSensors, rolesOf, startFleet, startNode, tempDataDir, until, type Node } from "../lib/server/testing/cluster-harness";
import { freePort } from "../lib/ingest/testing/ingest-fixture";
import { procCpuMs, sha256Rate } from "./bench/machine";

const MQTT_URL = process.env.MQTT_URL || "mqtt://127.0.0.1:1883";
const ADMIN_URL = process.env.DATABASE_URL || DEFAULT_ADMIN_URL;
const SENSORS = Number(process.env.BENCH_SENSORS || 500);
const PERIOD_MS = Number(process.env.BENCH_PERIOD_MS || 1000);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS || 20_000);
const KILLS = Number(process.env.BENCH_KILLS || 3);
const SEED = "bench-cluster";
const SIZE = 1;

const load = () => fs.readFileSync("/proc/loadavg", "utf8").split(" ")[0];
const machine = () => `load ${load()}, SHA-256 ${(sha256Rate() / 1e6).toFixed(2)} M/s on one thread`;

/** PIDs of the PostgreSQL backends serving `database` now. */
async function backends(admin: pg.Client, database: string): Promise<number[]> {
  const r = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [database]);
  return r.rows.map((x) => x.pid);
}

type Figures = { processes: number; offered: number; published: number; stored: number; perS: number; consoleMs: number; pgMs: number; dead: number; machine: string };

async function run(processes: number, admin: pg.Client, keep: boolean) {
  const db = await freshPostgres(ADMIN_URL, "citybrain_bench_cluster");
  const database = new URL(db.url!).pathname.slice(1);
  const dataDir = tempDataDir("citybrain-bench-cluster");
  const clientId = `cb-bench-cluster-${process.pid}-${processes}`;
  const env = clusterEnv({ databaseUrl: db.url!, mqttUrl: MQTT_URL, clientId, dataDir, seed: SEED, size: SIZE });
  const nodes: Node[] = [];
  for (let i = 0; i < processes; i++) nodes.push(await startNode(i, await freePort(), env));
  const { sensors } = await keyedSensors(db.sql, SEED, SENSORS, SIZE);
  await new Promise((r) => setTimeout(r, 2500)); // the intakes' device caches refresh
  const fleet = await startFleet({ mqttUrl: MQTT_URL, sensors, periodMs: PERIOD_MS, clientId: `${clientId}-fleet` });
  const count = async () => Number((await db.sql.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM reading`))[0].n);
  await new Promise((r) => setTimeout(r, 5000)); // warm-up
  const pids = await backends(admin, database);
  const cpu0 = nodes.map((n) => procCpuMs(n.child.pid!));
  const pg0 = pids.map(procCpuMs);
  const n0 = await count();
  const a0 = fleet.acked.size;
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const n1 = await count();
  const secs = (Date.now() - t0) / 1000;
  const published = (fleet.acked.size - a0) / secs;
  const consoleMs = nodes.reduce((s, n, i) => s + procCpuMs(n.child.pid!) - cpu0[i], 0);
  const pgMs = pids.reduce((s, p, i) => s + Math.max(0, procCpuMs(p) - pg0[i]), 0);
  const stored = n1 - n0;
  const dead = Number((await db.sql.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM dead_letter`))[0].n);
  const figures: Figures = { processes, offered: SENSORS / (PERIOD_MS / 1000), published, stored, perS: stored / secs, consoleMs: consoleMs / stored, pgMs: pgMs / stored, dead, machine: machine() };
  const cleanup = async () => {
    await fleet.stop();
    for (const n of nodes) if (n.child.exitCode === null) n.child.kill("SIGTERM");
    await Promise.all(nodes.map((n) => n.exited));
    await discardClusterSessions(MQTT_URL, clientId, processes + KILLS + 1);
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  if (!keep) {
    await cleanup();
    return { figures };
  }
  return { figures, nodes, env, db, cleanup };
}

/** SIGKILLs the process holding the ledger role; times the survivor's takeover and the next checkpoint; starts a replacement. */
async function failover(nodes: Node[], env: Record<string, string>, sql: { query<T>(q: string): Promise<T[]> }) {
  const out: { roleMs: number; checkpointMs: number; machine: string }[] = [];
  for (let k = 0; k < KILLS; k++) {
    await until(async () => (await Promise.all(nodes.map(rolesOf))).some((r) => r.includes("ledger")), 15_000, "a ledger holder");
    const roles = await Promise.all(nodes.map(rolesOf));
    const leader = nodes[roles.findIndex((r) => r.includes("ledger"))];
    const survivor = nodes.find((n) => n !== leader)!;
    const size = async () => Number((await sql.query<{ n: number }>(`SELECT coalesce(max(size), 0)::int8 AS n FROM checkpoint`))[0].n);
    await new Promise((r) => setTimeout(r, 1500));
    const before = await size();
    leader.child.kill("SIGKILL");
    let roleMs = -1;
    const roleWatch = until(async () => (await rolesOf(survivor)).includes("ledger"), 15_000, "the survivor to take the ledger", 25).then((ms) => (roleMs = ms));
    const checkpointMs = await until(async () => (await size()) > before, 15_000, "a checkpoint after the kill", 25);
    await roleWatch;
    out.push({ roleMs, checkpointMs, machine: machine() });
    await leader.exited;
    nodes.splice(nodes.indexOf(leader), 1, await startNode(leader.index, await freePort(), env));
  }
  return out;
}

async function main() {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  console.log(`bench:cluster on ${os.cpus().length} cores; PostgreSQL ${ADMIN_URL.replace(/\/\/[^@/]*@/, "//")}, Mosquitto ${MQTT_URL}`);
  console.log(`offered: ${SENSORS} signed traffic sensors through Mosquitto, each every ${PERIOD_MS} ms (${(SENSORS / (PERIOD_MS / 1000)).toFixed(0)} readings/s), measured over ${WINDOW_MS / 1000} s after 5 s of warm-up`);
  const one = await run(1, admin, false);
  const two = await run(2, admin, true);
  for (const f of [one.figures, two.figures]) {
    console.log(
      `${f.processes} process${f.processes > 1 ? "es" : ""}: published ${f.published.toFixed(0)}/s (acknowledged by Mosquitto), stored ${f.perS.toFixed(0)} readings/s (${f.stored} in the window; dead letters ${f.dead}); ` +
        `CPU per reading: console ${f.consoleMs.toFixed(3)} ms, PostgreSQL backends ${f.pgMs.toFixed(3)} ms, together ${(f.consoleMs + f.pgMs).toFixed(3)} ms  [${f.machine}]`,
    );
  }
  const fo = await failover(two.nodes!, two.env!, two.db!.sql);
  for (const [i, f] of fo.entries()) console.log(`failover ${i + 1}: leader SIGKILLed → survivor holds the ledger role in ${f.roleMs} ms, next checkpoint stored in ${f.checkpointMs} ms  [${f.machine}]`);
  const dead = await two.db!.sql.query<{ reason: string; n: number }>(`SELECT reason, count(*)::int AS n FROM dead_letter GROUP BY reason`);
  console.log(`dead letters after the failovers (a reading refused, e.g. a replay from reordering): ${dead.length ? dead.map((d) => `${d.reason} ${d.n}`).join(", ") : "none"}`);
  await two.cleanup!();
  await admin.end();
}

main().catch((e: Error) => {
  console.error(`bench:cluster failed: ${e.message}`);
  process.exit(1);
});
