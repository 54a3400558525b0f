import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { storeReadings } from "../ingest/store-readings";
import { migrate } from "../db/migrate";
import { auditLedger } from "./audit";
import { readLeafEntries } from "./leaf-entries";
import { AUDIT_ORIGIN, FIXTURE_GATEWAY, fixtureLog, fixtureReading, registeredSensors, storeGatewayBatch } from "./testing/audit-fixture";

const targets = await testTargets();
const SENSORS = ["trf-a", "trf-b", "trf-c"];
const SEALED = "20261207030000_sealed_reading_leaf_folded";
const PAYLOAD_JSON = "20261207040000_reading_payload_json";
const SEAL_SALT = "20261207060000_reading_seal_salt";
const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString("hex") : null);

// Migration 20261207030000_sealed_reading_leaf_folded moves each sealed reading's commitment.v1
// leaf (a ledger_leaf row with its commitment entry, its opening's inner entry NULL) into its
// reading row (sealed_leaf_hash), and 20261207040000_reading_payload_json stores the payload as
// json text; 20261207060000_reading_seal_salt then moves each one's salt from ledger_commitment
// into its row (seal_salt). A database is put back in the shape before them (those leaves in
// ledger_leaf with their entries, no sealed_leaf_hash, the salts in ledger_commitment, payload
// jsonb) and migrated again: the log serves the
// same entries, the payloads read the same, every reading still verifies, and new readings go
// on being stored.
describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("a database upgraded to sealed readings with their leaves on %s", (_n, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let opts: Parameters<typeof auditLedger>[1];
  let publisher: { round(): Promise<number> };
  let keys: Awaited<ReturnType<typeof registeredSensors>>;
  let served: { index: number; kind: string; entry: string | null; salt: string | null; inner: string | null }[];
  let hashes: { leaf_index: number; h: Uint8Array }[];
  let payloads: { leaf_index: number; payload: unknown }[];

  const entries = async () => (await readLeafEntries(db.sql, 0, 1 << 20)).map((e) => ({ index: e.index, kind: e.kind, entry: hex(e.entry), salt: hex(e.salt), inner: hex(e.inner) }));

  beforeAll(async () => {
    db = await target.open();
    keys = await registeredSensors(db.sql, [...SENSORS, FIXTURE_GATEWAY]);
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
    hashes = await db.sql.query(`SELECT leaf_index, sealed_leaf_hash AS h FROM reading WHERE sealed_leaf_hash IS NOT NULL ORDER BY leaf_index`);
    expect(hashes).toHaveLength(110);
    expect(served.filter((e) => e.kind === "commitment.v1")).toHaveLength(110);
    // The shape before the migration: the sealed leaves in ledger_leaf with their commitment entries.
    await db.sql.exec(`CREATE TEMP TABLE sealed_entries (leaf_index int8, entry bytea)`);
    const sealed = served.filter((e) => e.kind === "commitment.v1");
    await db.sql.query(`INSERT INTO sealed_entries SELECT i, decode(e, 'hex') FROM unnest($1::int8[], $2::text[]) AS u(i, e)`, [sealed.map((e) => e.index), sealed.map((e) => e.entry)]);
    await db.sql.exec(`DROP VIEW ledger_leaf_all;
      INSERT INTO ledger_leaf (leaf_index, kind, entry, leaf_hash, ref_table, ref_id, created_at)
        SELECT r.leaf_index, 'commitment.v1', s.entry, r.sealed_leaf_hash, NULL, NULL, r.received_at FROM reading r JOIN sealed_entries s ON s.leaf_index = r.leaf_index;
      INSERT INTO ledger_commitment (leaf_index, salt, entry) SELECT leaf_index, seal_salt, NULL FROM reading WHERE seal_salt IS NOT NULL;
      ALTER TABLE reading DROP COLUMN sealed_leaf_hash, DROP COLUMN seal_salt;
      ALTER TABLE reading ALTER COLUMN payload TYPE jsonb USING payload::jsonb;
      CREATE VIEW "ledger_leaf_all" AS
        SELECT "leaf_index", "kind", "entry", "leaf_hash", "ref_table", "ref_id", "created_at" FROM "ledger_leaf"
        UNION ALL
        SELECT "leaf_index", 'reading.v1'::text, NULL::bytea, "leaf_hash", NULL::text, NULL::text, "received_at" FROM "reading" WHERE "leaf_hash" IS NOT NULL;
      DELETE FROM "_prisma_migrations" WHERE migration_name IN ('${SEALED}', '${PAYLOAD_JSON}', '${SEAL_SALT}');`);
    payloads = await db.sql.query(`SELECT leaf_index, payload FROM reading ORDER BY leaf_index`);
    const [{ n }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_leaf WHERE kind = 'commitment.v1' AND entry IS NOT NULL`);
    expect(n).toBe(110);
    expect(await migrate(db.sql)).toEqual([SEALED, PAYLOAD_JSON, SEAL_SALT]);
  }, 120_000);
  afterAll(async () => db?.drop());

  it("moves each sealed reading's leaf hash into its row; the log serves the same entries and audits clean", async () => {
    expect(await db.sql.query(`SELECT l.leaf_index FROM ledger_leaf l JOIN reading r ON r.leaf_index = l.leaf_index`)).toEqual([]);
    expect(await db.sql.query(`SELECT c.leaf_index FROM ledger_commitment c JOIN reading r ON r.leaf_index = c.leaf_index`)).toEqual([]);
    const [{ n: salted }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading WHERE seal_salt IS NOT NULL AND sealed_leaf_hash IS NOT NULL`);
    expect(salted).toBe(110);
    const moved = await db.sql.query<{ leaf_index: number; h: Uint8Array }>(`SELECT leaf_index, sealed_leaf_hash AS h FROM reading WHERE sealed_leaf_hash IS NOT NULL ORDER BY leaf_index`);
    expect(moved.map((r) => [Number(r.leaf_index), hex(r.h)])).toEqual(hashes.map((r) => [Number(r.leaf_index), hex(r.h)]));
    expect(await entries()).toEqual(served);
    const [{ t }] = await db.sql.query<{ t: string }>(`SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'reading'::regclass AND attname = 'payload'`);
    expect(t).toBe("json");
    expect(await db.sql.query(`SELECT leaf_index, payload FROM reading ORDER BY leaf_index`)).toEqual(payloads);
    for (const threads of [0, 2]) {
      const r = await auditLedger(db.sql, { ...opts, threads });
      expect(r.discrepancies).toEqual([]);
      expect(r).toMatchObject({ ok: true, readings: 220, leaves: 224 });
    }
  });

  it("goes on storing, integrating and auditing readings after the upgrade", async () => {
    await storeReadings(db.sql, Array.from({ length: 30 }, (_, i) => fixtureReading("trf-a", 3000 + i, keys.get("trf-a")!, i % 2 ? "safety.cameras" : "traffic.flow")));
    await publisher.round();
    const r = await auditLedger(db.sql, opts);
    expect(r.discrepancies).toEqual([]);
    expect(r).toMatchObject({ ok: true, readings: 250, leaves: 254 });
    const [{ n }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading WHERE seq >= 3000 AND sealed_leaf_hash IS NOT NULL`);
    expect(n).toBe(15);
  });
});
