// npx tsx scripts/bench/embedded-upkeep.ts DIR – on a copy of a filled embedded data folder (bench:map's
// BENCH_DATA_DIR, e.g. /tmp/bench10; this version's migration, if the folder holds it, is undone on the
// copy for the figures before it): what the console's
// thread spends, in this process's CPU time (PGlite runs on its thread), on
//  - the device cache's refresh every two seconds, with its cursor at the newest change seen less
//    10 s (before) and at the previous read less 10 s (after, lib/ingest/device-cache.ts);
//  - the rollup's rewrite of map_latest, a commit's worth of devices at a time (1,000 rows an
//    UPDATE, each row moving its observed_at and leaf index as a fold does), on the folder as it was
//    and after this version's upkeep: migration 20261206150000_hot_updates and a first round of
//    lib/db/maintenance.ts, whose steps are timed too.
// It measures the lib beside it; the figures go under the lock the other benchmarks use.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { openDb } from "../../lib/db/client";
import { maintainTables } from "../../lib/db/maintenance";
import { load, sha256Rate } from "./machine";

const [src] = process.argv.slice(2);
if (!src || !fs.existsSync(path.join(src, "pglite"))) {
  console.error("usage: npx tsx scripts/bench/embedded-upkeep.ts DIR (a data folder holding pglite/)");
  process.exit(2);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-upkeep-"));
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const fmt = (n: number, d = 1) => n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
type Q = { query<T>(text: string, params?: unknown[]): Promise<T[]> };

async function refreshes(q: Q, label: string, since: () => Promise<string>) {
  const calls = 20;
  let rows = 0;
  const c0 = cpuMs();
  for (let i = 0; i < calls; i++) {
    rows += (await q.query(`SELECT id, department_id, dataset_id, kind, public_key, status, created_at, updated_at, quarantined_at, suspect_until FROM device WHERE updated_at >= $1`, [await since()])).length;
  }
  console.log(`  device cache refresh, ${label}: ${fmt((cpuMs() - c0) / calls)} ms CPU a call, ${fmt(rows / calls, 0)} rows a call`);
}

async function rewrites(q: Q, label: string) {
  const keys = (await q.query<{ key: string }>(`SELECT key FROM map_latest WHERE dataset_id = 'traffic.flow' ORDER BY key`)).map((r) => r.key);
  const rounds = 5;
  const per = 1000;
  const c0 = cpuMs();
  let n = 0;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < keys.length; i += per) {
      const batch = keys.slice(i, i + per);
      await q.query(
        `UPDATE map_latest SET observed_at = observed_at + interval '30 seconds', leaf_index = leaf_index + 1, payload = payload
          WHERE dataset_id = 'traffic.flow' AND key = ANY($1::text[])`,
        [batch],
      );
      n += batch.length;
    }
  }
  const [size] = await q.query<{ heap: string; idx: string }>(`SELECT pg_size_pretty(pg_relation_size('map_latest')) AS heap, pg_size_pretty(pg_indexes_size('map_latest')) AS idx`);
  console.log(`  map_latest rewrite, ${label}: ${fmt(((cpuMs() - c0) * 1000) / n)} µs CPU a row (${fmt(n, 0)} rows in ${rounds} rounds of ${per.toLocaleString("en-US")}-row updates); heap ${size.heap}, indexes ${size.idx}`);
}

console.log(`embedded upkeep on a copy of ${src}; one thread's SHA-256 of 64 B ${fmt(sha256Rate() / 1e6, 2)} M/s; ${load()}`);
fs.cpSync(src, dir, { recursive: true });
try {
  const raw = new PGlite({ dataDir: path.join(dir, "pglite") });
  await raw.waitReady;
  const rq: Q = { query: async (t, p) => (await raw.query(t, p)).rows as never[] };
  const applied = await rq.query(`SELECT 1 FROM _prisma_migrations WHERE migration_name = '20261206150000_hot_updates'`);
  if (applied.length) {
    // bench:map's fill opens the folder with this version's migrations once more after the rollup.
    console.log(`(${src} holds migration 20261206150000_hot_updates: undone on the copy for the figures before it)`);
    await raw.exec(`CREATE INDEX IF NOT EXISTS "map_latest_dataset_observed_idx" ON "map_latest"("dataset_id", "observed_at");
      ALTER TABLE "map_latest" RESET (fillfactor); ALTER TABLE "map_bucket_5m" RESET (fillfactor);
      ALTER TABLE "map_bucket_total" RESET (fillfactor); ALTER TABLE "device" RESET (fillfactor);
      DELETE FROM "_prisma_migrations" WHERE migration_name = '20261206150000_hot_updates';`);
  }
  const devices = (await rq.query<{ n: number }>(`SELECT count(*)::int AS n FROM device`))[0].n;
  console.log(`folder as filled (${devices.toLocaleString("en-US")} devices):`);
  // The cursor before: the newest change seen, less 10 s.
  await refreshes(rq, "cursor at the newest change (before)", async () => (await rq.query<{ s: string }>(`SELECT (max(updated_at) - interval '10 seconds')::text AS s FROM device`))[0].s);
  await refreshes(rq, "cursor at the previous read (after)", async () => new Date(Date.now() - 10_000).toISOString());
  await rewrites(rq, "as filled");
  await raw.close();

  const db = await openDb({ dataDir: dir });
  console.log("after migration 20261206150000_hot_updates and the upkeep's first round:");
  const t0 = performance.now();
  const steps = await maintainTables(db.sql, { firstRound: true });
  const slow = steps.filter((s) => s.ms >= 50).map((s) => `${s.action} ${s.table} ${fmt(s.ms, 0)} ms`);
  console.log(`  first round: ${steps.length} steps in ${fmt((performance.now() - t0) / 1000, 1)} s; the longest: ${slow.join(", ") || "none over 50 ms"}`);
  await refreshes(db.sql, "cursor at the previous read, with statistics", async () => new Date(Date.now() - 10_000).toISOString());
  await rewrites(db.sql, "upkept");
  const again = await maintainTables(db.sql, { firstRound: false });
  console.log(`  the next round after those rewrites: ${again.map((s) => `${s.action} ${s.table} ${fmt(s.ms, 0)} ms`).join(", ") || "nothing to do"}`);
  await rewrites(db.sql, "upkept, again");
  await db.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
