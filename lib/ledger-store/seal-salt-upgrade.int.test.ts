import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { storeReadings } from "../ingest/store-readings";
import { migrate } from "../db/migrate";
import { registerDeviceKeys } from "../devices/register-devices";
import { auditLedger } from "./audit";
import { readLeafEntries } from "./leaf-entries";
import { AUDIT_ORIGIN, ed25519Pair, FIXTURE_GATEWAY, fixtureLog, fixtureReading, registeredSensors, storeGatewayBatch } from "./testing/audit-fixture";

const targets = await testTargets();
const SENSORS = ["trf-a", "trf-b", "trf-c"];
const SEAL_SALT = "20261207060000_reading_seal_salt";
const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString("hex") : null);

// Migration 20261207060000_reading_seal_salt moves each sealed reading's salt (the opening of its
// commitment.v1 leaf, folded into its row since 20261207030000) from ledger_commitment into its
// reading row (seal_salt) and deletes those openings; other openings (a restricted dataset's
// device.v1 entry here) stay. A database is put back in the shape before it (the salts in
// ledger_commitment, no seal_salt column) and migrated again: the log serves the same entries
// byte for byte (salts included), every reading still verifies, with and without worker threads,
// and readings stored after go on verifying.
describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("a database upgraded to sealed readings' salts in their rows on %s", (_n, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let opts: Parameters<typeof auditLedger>[1];
  let publisher: { round(): Promise<number> };
  let keys: Awaited<ReturnType<typeof registeredSensors>>;
  let served: { index: number; kind: string; entry: string | null; salt: string | null; inner: string | null }[];
  let salts: [number, string | null][];
  let others: { leaf_index: number; salt: Uint8Array; entry: Uint8Array | null }[];

  const entries = async () => (await readLeafEntries(db.sql, 0, 1 << 20)).map((e) => ({ index: e.index, kind: e.kind, entry: hex(e.entry), salt: hex(e.salt), inner: hex(e.inner) }));

  beforeAll(async () => {
    db = await target.open();
    keys = await registeredSensors(db.sql, [...SENSORS, FIXTURE_GATEWAY]);
    // A camera (safety.cameras, confidential): its device.v1 entry is sealed, its opening a ledger_commitment row.
    await db.sql.query(`INSERT INTO device (id, department_id, dataset_id, kind, lon, lat) VALUES ('cam-x', 'safety', 'safety.cameras', 'camera', 121.45, 37.46)`);
    await registerDeviceKeys(db.sql, [{ device: "cam-x", publicKey: ed25519Pair().publicKey }]);
    const log = await fixtureLog(db.sql, AUDIT_ORIGIN);
    publisher = log.publisher;
    opts = { ...log.opts, chunk: 64 };
    // Every other reading a camera's (safety.cameras, confidential: sealed).
    const reading = (n: number) => fixtureReading(SENSORS[n % 3], n, keys.get(SENSORS[n % 3])!, n % 2 ? "safety.cameras" : "traffic.flow");
    for (let s = 1; s <= 200; s += 50) {
      await storeReadings(db.sql, Array.from({ length: 50 }, (_, i) => reading(s + i)));
      await publisher.round();
    }
    await storeGatewayBatch(db.sql, keys.get(FIXTURE_GATEWAY)!, Array.from({ length: 20 }, (_, i) => reading(1000 + i)));
    await publisher.round();
    served = await entries();
    expect(served.filter((e) => e.kind === "commitment.v1")).toHaveLength(111);
    salts = (await db.sql.query<{ leaf_index: number; seal_salt: Uint8Array | null }>(`SELECT leaf_index, seal_salt FROM reading ORDER BY leaf_index`)).map((r) => [Number(r.leaf_index), hex(r.seal_salt)]);
    expect(salts.filter(([, s]) => s !== null)).toHaveLength(110);
    others = await db.sql.query(`SELECT leaf_index, salt, entry FROM ledger_commitment ORDER BY leaf_index`);
    expect(others).toHaveLength(1);
    expect(others[0].entry).not.toBeNull();
    // The shape before the migration: each sealed reading's salt a ledger_commitment row (inner entry NULL), no seal_salt.
    await db.sql.exec(`INSERT INTO ledger_commitment (leaf_index, salt, entry) SELECT leaf_index, seal_salt, NULL FROM reading WHERE seal_salt IS NOT NULL;
      ALTER TABLE reading DROP COLUMN seal_salt;
      DELETE FROM "_prisma_migrations" WHERE migration_name = '${SEAL_SALT}';`);
    const [{ n }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_commitment WHERE entry IS NULL`);
    expect(n).toBe(110);
    expect(await migrate(db.sql)).toEqual([SEAL_SALT]);
  }, 120_000);
  afterAll(async () => db?.drop());

  it("moves each sealed reading's salt into its row and keeps the other openings; the log serves the same entries and audits clean", async () => {
    const moved = (await db.sql.query<{ leaf_index: number; seal_salt: Uint8Array | null }>(`SELECT leaf_index, seal_salt FROM reading ORDER BY leaf_index`)).map((r) => [Number(r.leaf_index), hex(r.seal_salt)]);
    expect(moved).toEqual(salts);
    expect(await db.sql.query(`SELECT leaf_index, salt, entry FROM ledger_commitment ORDER BY leaf_index`)).toEqual(others);
    expect(await entries()).toEqual(served);
    for (const threads of [0, 2]) {
      const r = await auditLedger(db.sql, { ...opts, threads });
      expect(r.discrepancies).toEqual([]);
      expect(r).toMatchObject({ ok: true, readings: 220, leaves: 225 });
    }
  });

  it("goes on storing, integrating and auditing readings after the upgrade, their salts in their rows", async () => {
    await storeReadings(db.sql, Array.from({ length: 30 }, (_, i) => fixtureReading("trf-a", 3000 + i, keys.get("trf-a")!, i % 2 ? "safety.cameras" : "traffic.flow")));
    await publisher.round();
    for (const threads of [0, 2]) {
      const r = await auditLedger(db.sql, { ...opts, threads });
      expect(r.discrepancies).toEqual([]);
      expect(r).toMatchObject({ ok: true, readings: 250, leaves: 255 });
    }
    const [{ n }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading WHERE seq >= 3000 AND seal_salt IS NOT NULL AND sealed_leaf_hash IS NOT NULL`);
    expect(n).toBe(15);
    expect(await db.sql.query(`SELECT count(*)::int AS n FROM ledger_commitment`)).toEqual([{ n: 1 }]);
  });
});
