import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshPglite, type FreshDb } from "../testing/fresh-database";
import { generateCity } from "../city";
import { seedCity } from "../server/seed";
import { maintainTables, startEmbeddedMaintenance, tableActivity } from "./maintenance";
import { runEvery } from "../ledger-store/log-service";

// The embedded database has no autovacuum (lib/db/maintenance.ts): what the job changes there.
describe("embedded database upkeep (PGlite)", () => {
  let db: FreshDb;
  beforeAll(async () => {
    db = await freshPglite("citybrain-upkeep");
    await seedCity(db, generateCity({ seed: "upkeep-it", size: 0.3 }));
  }, 60_000);
  afterAll(async () => db?.drop());

  // The device cache's refresh (lib/ingest/device-cache.ts) every two seconds: the devices
  // changed in the last seconds, none of them here.
  const cacheScan = async () => {
    const plan = await db.sql.query<{ "QUERY PLAN": string }>(`EXPLAIN SELECT id FROM device WHERE updated_at >= $1`, [new Date(Date.now() - 10_000).toISOString()]);
    return plan.map((r) => r["QUERY PLAN"]).join("\n");
  };
  const activity = async (table: string) => (await tableActivity(db.sql)).find((t) => t.table === table)!;

  it("after a round, dead versions are gone, statistics exist and the device cache's scan uses its index", async () => {
    const devices = Number((await db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM device`))[0].n);
    expect(devices).toBeGreaterThan(100);
    // Registered a minute ago; since then commits moved every device's last_seq (lib/ingest/commit.ts).
    await db.sql.exec(`UPDATE device SET updated_at = now() - interval '1 minute'`);
    for (let i = 0; i < 4; i++) await db.sql.exec(`UPDATE device SET last_seq = last_seq + 1`);
    // Never analysed: the planner knows nothing of the column's values (it guesses a third of the table for a range).
    expect((await activity("device")).reltuples).toBe(-1);

    const done = await maintainTables(db.sql, { firstRound: true });
    expect(done.map((d) => `${d.action} ${d.table}`)).toContain("vacuum device");
    expect(done.map((d) => `${d.action} ${d.table}`)).toContain("analyze dataset");
    const device = await activity("device");
    expect(device.dead).toBe(0);
    expect(device.reltuples).toBe(devices);
    expect(await cacheScan()).toMatch(/Index (Only )?Scan using device_updated_at_idx|Bitmap Index Scan on device_updated_at_idx/);

    // Nothing changed since: the next round has nothing to do.
    expect(await maintainTables(db.sql, { firstRound: false })).toEqual([]);
  });

  it("the rollup's rewrite of map_latest stays on its page (heap-only), with no index entry to add", async () => {
    await db.sql.exec(`INSERT INTO map_latest (dataset_id, key, device_id, observed_at, leaf_index, lon, lat, payload)
      SELECT 'traffic.flow', id, id, now(), 0, lon, lat, '{"speedKmh": 40}' FROM device WHERE kind = 'traffic-sensor'`);
    const hot = async () => (await db.sql.query(`SELECT pg_stat_force_next_flush()`), Number((await db.sql.query<{ n: string }>(`SELECT n_tup_hot_upd AS n FROM pg_stat_user_tables WHERE relname = 'map_latest'`))[0].n));
    const before = await hot();
    const rows = Number((await db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM map_latest`))[0].n);
    for (let i = 1; i <= 3; i++) await db.sql.exec(`UPDATE map_latest SET observed_at = observed_at + interval '30 seconds', leaf_index = leaf_index + ${i}, payload = '{"speedKmh": 41}'`);
    // fillfactor 50 leaves room for a row's next version on its page; pruning frees the old one.
    expect((await hot()) - before).toBeGreaterThanOrEqual(rows * 3 * 0.9);
  });

  it("gives back the pages of a bloated map_latest (VACUUM alone keeps them), its rows unchanged", async () => {
    // As a folder from before the upkeep: most of the heap dead, the live rows at its end, where
    // VACUUM's truncation of empty trailing pages cannot reach them.
    const device = (await db.sql.query<{ id: string }>(`SELECT id FROM device ORDER BY id LIMIT 1`))[0].id;
    await db.sql.exec(`INSERT INTO map_latest (dataset_id, key, device_id, observed_at, leaf_index, lon, lat, payload)
      SELECT 'traffic.flow', 'old-' || g, '${device}', now(), g, 0, 0, jsonb_build_object('pad', repeat('x', 160)) FROM generate_series(1, 100000) g`);
    await db.sql.exec(`CREATE TEMP TABLE live_rows AS SELECT * FROM map_latest WHERE key NOT LIKE 'old-%'`);
    await db.sql.exec(`DELETE FROM map_latest WHERE key NOT LIKE 'old-%'`);
    await db.sql.exec(`INSERT INTO map_latest SELECT * FROM live_rows`);
    await db.sql.exec(`DELETE FROM map_latest WHERE key LIKE 'old-%'`);
    const content = async () => (await db.sql.query<{ n: string; h: string }>(`SELECT count(*) AS n, md5(string_agg(m::text, ',' ORDER BY dataset_id, key)) AS h FROM map_latest m`))[0];
    const before = await content();
    expect(Number(before.n)).toBeGreaterThan(100);
    const bloated = (await activity("map_latest")).bytes;
    expect(bloated).toBeGreaterThan(16 << 20);

    // The first round vacuums (the dead rows passed the threshold) and so learns the rows' width; the next rewrites.
    const first = await maintainTables(db.sql, { firstRound: false });
    expect(first.find((d) => d.table === "map_latest")?.action).toBe("vacuum");
    expect((await activity("map_latest")).bytes).toBe(bloated);
    const second = await maintainTables(db.sql, { firstRound: false });
    expect(second.find((d) => d.table === "map_latest")?.action).toBe("compact");
    const after = await activity("map_latest");
    expect(after.bytes).toBeLessThan(bloated / 20);
    expect(await content()).toEqual(before);
    // Compact now: the rounds after leave it alone.
    expect((await maintainTables(db.sql, { firstRound: false })).filter((d) => d.table === "map_latest")).toEqual([]);
  });

  it("waits while the process is short of file descriptors", async () => {
    await db.sql.exec(`UPDATE device SET last_seq = last_seq + 1`);
    await db.sql.exec(`UPDATE device SET last_seq = last_seq + 1`);
    const logs: string[] = [];
    let open = 19_000;
    const stop = startEmbeddedMaintenance({ sql: db.sql, every: runEvery, log: (m) => logs.push(m), intervalMs: 50, firstRoundAfterMs: 0, descriptors: () => ({ open, limit: 20_000 }) });
    await expect.poll(() => logs.length, { timeout: 5_000 }).toBe(1);
    expect(logs[0]).toMatch(/waits: 19000 of 20000 file descriptors/);
    await new Promise((r) => setTimeout(r, 300));
    expect((await activity("device")).dead).toBeGreaterThan(0);
    open = 100;
    await expect.poll(async () => (await activity("device")).dead, { timeout: 10_000 }).toBe(0);
    await stop();
    expect(logs.filter((m) => m.includes("waits"))).toHaveLength(1);
  });

  it("runs as a job and stops cleanly", async () => {
    await db.sql.exec(`UPDATE device SET last_seq = last_seq + 1`);
    await db.sql.exec(`UPDATE device SET last_seq = last_seq + 1`);
    const logs: string[] = [];
    const stop = startEmbeddedMaintenance({ sql: db.sql, every: runEvery, log: (m) => logs.push(m), intervalMs: 50, firstRoundAfterMs: 0 });
    await expect.poll(async () => (await activity("device")).dead, { timeout: 10_000 }).toBe(0);
    await stop();
    expect(logs.filter((m) => m.includes("failed"))).toEqual([]);
  });
});
