// npx tsx scripts/bench/catch-up.ts DIR – the console's runtime (no Next.js) started on a copy of a
// filled folder with a backlog (DIR: a folder bench:start kept with BENCH_START_KEEP, e.g.
// BENCH_START_KEEP=/tmp/keep BENCH_START_READINGS=1000000 BENCH_START_BEHIND=300000, then
// /tmp/keep/n1000000-behind300000); a probe on its thread (a 100 ms timer and a query) and the
// event loop's delay are timed until less than 5,000 leaves are left to integrate and to fold.
// It measures the lib beside it: for another version, copy it into that version's checkout.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadConfig } from "../../lib/config";
import { startRuntime } from "../../lib/server/start";
import { load, sha256Rate } from "./machine";

const [keep] = process.argv.slice(2);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-catchup-"));
fs.cpSync(keep, dir, { recursive: true });
Object.assign(process.env, { PORT: "3391", HOST: "127.0.0.1", DATA_DIR: dir, MQTT_PORT: "18391", DATABASE_URL: "", SIM_BACKFILL_HOURS: "0", CITY_SIZE: "1" });
console.log(`machine now, one thread: SHA-256 of 64 B ${Math.round(sha256Rate()).toLocaleString("en-US")}/s; ${load()}`);
const t0 = performance.now();
const h = monitorEventLoopDelay({ resolution: 10 });
h.enable();
const rt = await startRuntime(loadConfig(), { log: (m) => console.log(`  [+${((performance.now() - t0) / 1000).toFixed(1)} s] ${m}`) });
console.log(`runtime started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
// A request's worth of work every 100 ms: a timer and a small query, timed.
const lat: number[] = [];
let worst = 0;
for (;;) {
  const a = performance.now();
  await new Promise((r) => setTimeout(r, 100));
  const [c] = await rt.db.sql.query<{ l: number; m: number }>(`SELECT (SELECT next_index - integrated_size FROM ledger_state)::int8 AS l, ((SELECT max(leaf_index) FROM reading) - (SELECT last_leaf FROM map_rollup_state))::int8 AS m`);
  const took = performance.now() - a - 100;
  lat.push(took);
  worst = Math.max(worst, took);
  if (Number(c.l) < 5000 && Number(c.m) < 5000) break; // live readings keep arriving from the simulator
  if (performance.now() - t0 > 600_000) break;
}
const sorted = [...lat].sort((x, y) => x - y);
console.log(`caught up ${((performance.now() - t0) / 1000).toFixed(1)} s after the start; a 100 ms timer + query came back late by median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, p99 ${sorted[Math.floor(sorted.length * 0.99)].toFixed(0)} ms, worst ${worst.toFixed(0)} ms (${lat.length} probes); event-loop delay p50 ${(h.percentile(50) / 1e6).toFixed(0)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(0)} ms, max ${(h.max / 1e6).toFixed(0)} ms`);
await rt.stop();
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);
