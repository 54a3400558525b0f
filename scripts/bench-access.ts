// npm run bench:access – what the access check and access logging cost on the hot map endpoints, printed.
// For each endpoint, p50 and p95 latency of the route handler (parse, session, check, query,
// access event, JSON) in three modes:
//   off:   no session lookup, no access check, no access event (unsafe: benchmark only)
//   check: the signed-in viewer resolved through Better Auth and the one access check
//   full:  check plus the access event written before answering (what the console runs)
// on PGlite and, when reachable, PostgreSQL. The city is the default one with a window of
// traffic readings and a grant (aggregated grid load to the transport bureau).
// Beside each p50/p95 it prints the CPU per request read from the kernel (console process and,
// on PostgreSQL, its backends) and the response's size in bytes, and at its start the machine's reference rate (one thread's
// SHA-256), since this machine's speed drifts by the hour.
// Options: --requests N (default 300), --only pglite|postgresql, --endpoint TEXT (only endpoints
// whose name contains it), --queries (after each endpoint,
// the SQL statements of its "full" requests by total time: where a request's time goes)
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DATASETS, generateCity } from "../lib/city";
import { seedCity } from "../lib/server/seed";
import { setDb, type Db } from "../lib/db/client";
import { loadConfig } from "../lib/config";
import { createAuth, setAuth } from "../lib/auth/auth";
import { createUserWithPassword, enrollTotp, totpCode } from "../lib/auth/users";
import { storeReadings, type AcceptedReading } from "../lib/ingest/store-readings";
import { unsafeSetAccessSwitchesForBenchmark } from "../lib/access/bench-switches";
import { requestGrant } from "../lib/grants/request-grant";
import { approveGrant } from "../lib/grants/decide-grant";
import { ledgerAccessEvents } from "../lib/access/ledger-access-events";
import type { Viewer } from "../lib/access/viewer";
import { checkRead, type ReadBasis } from "../lib/access/check-read";
import { benchDb } from "./bench/bench-db";
import { fmt, percentile } from "./bench/stats";
import { procCpuMs, sha256Rate } from "./bench/machine";
import * as authRoute from "../app/api/auth/[...all]/route";
import * as latestRoute from "../app/api/traffic/latest/route";
import * as sensorsRoute from "../app/api/traffic/sensors/route";
import * as readingsRoute from "../app/api/datasets/[id]/readings/route";
import * as layerLatestRoute from "../app/api/map/layers/[layer]/latest/route";
import * as kpisRoute from "../app/api/map/kpis/route";

process.env.NEXT_TELEMETRY_DISABLED = "1";
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const N = Number(arg("requests", "300"));
const ONLY = arg("only", "");
const QUERIES = process.argv.includes("--queries");
const ENDPOINT = arg("endpoint", "");
const BASE = "http://127.0.0.1:3000";
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function signIn(email: string, password: string, totp?: string): Promise<string> {
  const post = (p: string, body: unknown, cookie = "") =>
    (authRoute.POST as Handler)(new Request(`${BASE}${p}`, { method: "POST", headers: { host: "127.0.0.1:3000", origin: BASE, "content-type": "application/json", cookie }, body: JSON.stringify(body) }), { params: Promise.resolve({}) });
  const cookies = (r: Response) => r.headers.getSetCookie().map((c) => c.split(";")[0]).filter((c) => !c.endsWith("=")).join("; ");
  let r = await post("/api/auth/sign-in/email", { email, password });
  let c = cookies(r);
  if (totp) {
    r = await post("/api/auth/two-factor/verify-totp", { code: totpCode(totp) }, c);
    c = cookies(r);
  }
  return c;
}

async function run(kind: "pglite" | "postgresql") {
  const db = await benchDb(kind);
  if (!db) return;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-bench-access-"));
  try {
    setDb(db);
    const config = loadConfig({ ...process.env, DATA_DIR: dataDir, DATABASE_URL: "" });
    const city = generateCity({ seed: config.CITY_SEED, size: config.CITY_SIZE });
    (globalThis as Record<symbol, unknown>)[Symbol.for("city-brain.city")] = city;
    await seedCity(db, city);
    const auth = createAuth({ prisma: db.prisma, secret: crypto.randomBytes(32).toString("base64url"), config });
    setAuth(auth);
    const pw = "bench-password-123";
    await createUserWithPassword(auth, { email: "official@bench.example", name: "bench official", departmentId: "traffic", role: "official", password: pw });
    await createUserWithPassword(auth, { email: "tadmin@bench.example", name: "bench traffic admin", departmentId: "traffic", role: "dept_admin", password: pw });
    await createUserWithPassword(auth, { email: "eadmin@bench.example", name: "bench energy admin", departmentId: "energy", role: "dept_admin", password: pw });
    await enrollTotp(auth, "tadmin@bench.example", pw);
    const ids = Object.fromEntries((await db.sql.query<{ id: string; email: string }>(`SELECT id, email FROM auth_user`)).map((r) => [r.email, r.id]));
    const viewer = (email: string, departmentId: string): Viewer => ({ kind: "user", userId: ids[email], departmentId, role: "dept_admin" });
    const { grant } = await requestGrant({ viewer: viewer("tadmin@bench.example", "traffic"), request: { datasetId: "energy.load", scope: "aggregated", purpose: "bench", validUntil: new Date(Date.now() + 86_400_000).toISOString() } });
    await approveGrant({ viewer: viewer("eadmin@bench.example", "energy"), grantId: grant.id });

    // A 15-minute window of readings: every traffic sensor and feeder every 30 s.
    const now = Date.now();
    const sig = new Uint8Array(64);
    const sensors = city.devices.filter((d) => d.datasetId === "traffic.flow" || d.datasetId === "energy.load");
    let seq = 1;
    for (let k = 30; k >= 1; k--) {
      const at = new Date(now - k * 30_000).toISOString();
      const batch: AcceptedReading[] = sensors.map((d) => ({
        device: d.id,
        dataset: d.datasetId,
        seq: seq++,
        observedAt: at,
        location: d.location,
        values: (d.datasetId === "traffic.flow" ? { segmentId: "s", speedKmh: 30 + (seq % 40), flowVehH: 800, occupancy: 0.2 } : { meter: "feeder", loadMw: 10 + (seq % 5), utilisation: 0.5, voltageKv: 10.2 }) as Record<string, number | string>,
        payloadHash: crypto.randomBytes(32),
        signature: sig,
      }));
      await storeReadings(db.sql, batch);
    }
    const cookie = await signIn("official@bench.example", pw);
    const official: Viewer = { kind: "user", userId: ids["official@bench.example"], departmentId: "traffic", role: "official" };
    // "off" answers every dataset with what the check gave the official: the basis, or its refusal.
    const bases = new Map<string, ReadBasis | Error>();
    for (const ds of DATASETS) bases.set(ds.id, await checkRead(db.sql, official, ds.id).catch((e: Error) => e));
    const endpoints: { name: string; h: unknown; path: string; params?: Record<string, string> }[] = [
      { name: "GET /api/traffic/latest", h: latestRoute.GET, path: "/api/traffic/latest" },
      { name: "GET /api/traffic/sensors", h: sensorsRoute.GET, path: "/api/traffic/sensors" },
      { name: "GET /api/datasets/energy.load/readings (grant, aggregated)", h: readingsRoute.GET, path: "/api/datasets/energy.load/readings", params: { id: "energy.load" } },
      { name: "GET /api/map/layers/traffic/latest", h: layerLatestRoute.GET, path: "/api/map/layers/traffic/latest", params: { layer: "traffic" } },
      { name: "GET /api/map/layers/energy/latest (grant, aggregated)", h: layerLatestRoute.GET, path: "/api/map/layers/energy/latest", params: { layer: "energy" } },
      { name: "GET /api/map/kpis", h: kpisRoute.GET, path: "/api/map/kpis" },
    ];
    // --queries: time per SQL text (numbers folded), collected while `profiling` is set.
    const byQuery = new Map<string, { ms: number; calls: number }>();
    let profiling = false;
    if (QUERIES) {
      const query = db.sql.query.bind(db.sql);
      db.sql.query = (async (text: string, params?: unknown[]) => {
        if (!profiling) return query(text, params);
        const t0 = performance.now();
        try {
          return await query(text, params);
        } finally {
          const k = text.replace(/\s+/g, " ").trim().slice(0, 150);
          const q = byQuery.get(k) ?? { ms: 0, calls: 0 };
          q.ms += performance.now() - t0;
          q.calls++;
          byQuery.set(k, q);
        }
      }) as typeof db.sql.query;
    }
    const backends = async () => (db.sql.mode === "server" ? (await db.sql.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)).map((r) => Number(r.pid)) : []);
    const pgPids = await backends();
    const pgCpu = () => pgPids.reduce((sum, pid) => sum + procCpuMs(pid), 0);
    console.log(`\n${kind}: ${sensors.length} devices × 30 readings in the window, ${N} requests per mode (after 30 warm-up)`);
    console.log(`${"endpoint".padEnd(58)} ${"mode".padEnd(6)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)}`);
    const MODES = ["off", "check", "full"] as const;
    for (const e of endpoints.filter((x) => x.name.includes(ENDPOINT))) {
      // Modes interleave request by request, so background load on the machine hits all three alike.
      const once = async (mode: (typeof MODES)[number]) => {
        // "off" answers with the basis the check gave the official, without a session or a query.
        unsafeSetAccessSwitchesForBenchmark({
          check: mode !== "off",
          log: mode === "full",
          fixed: (id) => {
            const b = bases.get(id)!;
            if (b instanceof Error) throw b;
            return b;
          },
        });
        const c = mode === "off" ? "" : cookie;
        const t0 = performance.now();
        const res = await (e.h as Handler)(new Request(`${BASE}${e.path}`, { headers: { host: "127.0.0.1:3000", ...(c ? { cookie: c } : {}) } }), { params: Promise.resolve(e.params ?? {}) });
        bytes[mode] = (await res.arrayBuffer()).byteLength;
        if (!res.ok) throw new Error(`${e.name} ${mode}: ${res.status}`);
        return performance.now() - t0;
      };
      const bytes: Record<string, number> = {};
      for (let i = 0; i < 30; i++) for (const m of MODES) await once(m);
      const times: Record<string, number[]> = { off: [], check: [], full: [] };
      // CPU per request of the console process (PGlite runs in it) and of the PostgreSQL backends, per mode.
      const cpu: Record<string, { own: number; pg: number }> = { off: { own: 0, pg: 0 }, check: { own: 0, pg: 0 }, full: { own: 0, pg: 0 } };
      for (let i = 0; i < N; i++) {
        for (const m of MODES) {
          const u0 = process.cpuUsage();
          const p0 = pgCpu();
          profiling = m === "full";
          times[m].push(await once(m));
          profiling = false;
          const u = process.cpuUsage(u0);
          cpu[m].own += (u.user + u.system) / 1000;
          cpu[m].pg += pgCpu() - p0;
        }
      }
      for (const m of MODES) {
        const c = `CPU/request ${fmt(cpu[m].own / N, 2)} ms${db.sql.mode === "server" ? ` + PostgreSQL ${fmt(cpu[m].pg / N, 2)} ms` : ""}, ${fmt(bytes[m], 0)} B`;
        console.log(`${e.name.padEnd(58)} ${m.padEnd(6)} ${fmt(percentile(times[m], 50), 2).padStart(8)} ${fmt(percentile(times[m], 95), 2).padStart(8)}   ${c}`);
      }
      if (QUERIES) {
        for (const [k, q] of [...byQuery].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8)) {
          console.log(`${"".padEnd(10)}${fmt(q.ms / N, 2).padStart(8)} ms/request ${String(q.calls / N).padStart(4)}×  ${k}`);
        }
        byQuery.clear();
      }
      const d = (m: string, p: number) => fmt(percentile(times[m], p) - percentile(times.off, p), 2);
      console.log(`${"".padEnd(58)} cost of the check: p50 +${d("check", 50)} ms, p95 +${d("check", 95)} ms; check + logging: p50 +${d("full", 50)} ms, p95 +${d("full", 95)} ms`);
      await ledgerAccessEvents(db.sql, 100_000);
    }
    const [{ n }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM access_event`);
    console.log(`access events written: ${n}, all ledgered in access.v1 batches: ${(await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM access_event WHERE batch_id IS NULL`))[0].n === 0}`);
  } finally {
    unsafeSetAccessSwitchesForBenchmark({ check: true, log: true });
    await db.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`bench:access on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), node ${process.version}`);
  console.log(`machine now, one thread: SHA-256 of 64 B ${fmt(sha256Rate(), 0)}/s (reference rate), load ${os.loadavg()[0].toFixed(2)}`);
  for (const kind of ["pglite", "postgresql"] as const) {
    if (ONLY && ONLY !== kind) continue;
    await run(kind);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

export type { Db };
