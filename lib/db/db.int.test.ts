import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { generateCity } from "../city";
import { seedCity } from "../server/seed";
import { storeReadings } from "../ingest/store-readings";
import { migrate } from "./migrate";

const targets = await testTargets();
const city = generateCity({ seed: "it", size: 0.3 });

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("database on %s", (_name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  beforeAll(async () => {
    db = await target.open();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("migrates from empty and a second migrate does nothing", async () => {
    const tables = await db.sql.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(["department", "dataset", "device", "reading", "ledger_leaf", "checkpoint", "cosignature"]),
    );
    expect(await migrate(db.sql)).toEqual([]);
  });

  it("seeds the city idempotently and reads it back through Prisma", async () => {
    const first = await seedCity(db, city);
    const again = await seedCity(db, city);
    expect(again.devices).toBe(first.devices);
    expect(first.devices).toBe(city.devices.length);
    const depts = await db.prisma.department.findMany({ orderBy: { id: "asc" } });
    expect(depts.map((d) => d.id)).toEqual(["citizen", "emergency", "energy", "safety", "traffic"]);
    const sensor = city.devices.find((d) => d.kind === "traffic-sensor")!;
    const row = await db.prisma.device.findUnique({ where: { id: sensor.id } });
    expect(row?.datasetId).toBe("traffic.flow");
    expect(row?.lon).toBeCloseTo(sensor.location[0], 6);
  });

  it("stores readings with contiguous ledger leaves and refuses to change them", async () => {
    const sensor = city.devices.find((d) => d.kind === "traffic-sensor")!;
    const mk = (seq: number) => ({
      device: sensor.id,
      dataset: "traffic.flow",
      seq,
      observedAt: new Date(1_790_000_000_000 + seq * 1000).toISOString(),
      location: sensor.location,
      values: { segmentId: "s1", speedKmh: 42.5, flowVehH: 800, occupancy: 0.2 },
      payloadHash: new Uint8Array(32).fill(seq),
      signature: new Uint8Array(64).fill(7),
    });
    const a = await storeReadings(db.sql, [mk(1), mk(2)]);
    const b = await storeReadings(db.sql, [mk(3)]);
    expect([...a, ...b]).toEqual([a[0], a[0] + 1, a[0] + 2]);
    const back = await db.sql.query<{ seq: number; leaf_index: number; speed: number }>(
      `SELECT seq, leaf_index, (payload->>'speedKmh')::float8 AS speed FROM reading WHERE device_id = $1 ORDER BY seq`,
      [sensor.id],
    );
    expect(back).toEqual([
      { seq: 1, leaf_index: a[0], speed: 42.5 },
      { seq: 2, leaf_index: a[0] + 1, speed: 42.5 },
      { seq: 3, leaf_index: a[0] + 2, speed: 42.5 },
    ]);
    await expect(db.sql.query(`UPDATE reading SET lon = 0 WHERE device_id = $1`, [sensor.id])).rejects.toThrow(/append-only/);
    await expect(db.sql.query(`DELETE FROM reading WHERE leaf_index = $1`, [a[0]])).rejects.toThrow(/append-only/);
    // A reading's leaf is folded into its row (its leaf hash a column of it): no ledger_leaf row.
    const [leaf] = await db.sql.query<{ rows: number; hashes: number }>(
      `SELECT (SELECT count(*)::int FROM ledger_leaf WHERE leaf_index = $1) AS rows, (SELECT count(*)::int FROM reading WHERE leaf_index = $1 AND length(leaf_hash) = 32) AS hashes`,
      [a[0]],
    );
    expect(leaf).toEqual({ rows: 0, hashes: 1 });
    await expect(
      db.sql.transaction(async (tx) => {
        await tx.query(`INSERT INTO ledger_leaf (leaf_index, kind, entry, leaf_hash) VALUES (1000000000, 'rule.v1', '\\x7b7d', '\\x00')`);
        await tx.query(`DELETE FROM ledger_leaf WHERE leaf_index = 1000000000`);
      }),
    ).rejects.toThrow(/append-only/);
    // A batch the database refuses is refused as a whole: nothing of it is kept. (A duplicate
    // (device, seq) is the intake's to refuse, under the device's row lock (ingest.int.test.ts):
    // the day partitions of reading cannot hold a unique index without observed_at.)
    await expect(storeReadings(db.sql, [mk(4), { ...mk(5), dataset: "x".repeat(10) + "\u0000" }])).rejects.toThrow();
    const [{ n }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading WHERE device_id = $1`, [sensor.id]);
    expect(n).toBe(3);
    const [{ next_index }] = await db.sql.query<{ next_index: number }>(`SELECT next_index FROM ledger_state`);
    expect(Number(next_index)).toBe(a[0] + 3);
  });
});
