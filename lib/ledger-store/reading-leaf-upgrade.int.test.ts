import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { storeReadings } from "../ingest/store-readings";
import { migrate } from "../db/migrate";
import { auditLedger } from "./audit";
import { readLeafEntries } from "./leaf-entries";
import { AUDIT_ORIGIN, FIXTURE_GATEWAY, fixtureLog, fixtureReading, registeredSensors, storeGatewayBatch } from "./testing/audit-fixture";
import { payloadHashOfRow, type EnvelopeRow } from "../ingest/envelope";
import type { Sql } from "../db/sql";

const targets = await testTargets();
const SENSORS = ["trf-a", "trf-b", "trf-c"];
const FOLDED = "20261207010000_reading_leaf_folded";
const BATCH_LEAVES = "20261207020000_gateway_batch_leaves";
const SEALED = "20261207030000_sealed_reading_leaf_folded";
const PAYLOAD_JSON = "20261207040000_reading_payload_json";
const DERIVED = "20261207050000_reading_payload_hash_derived";
const SEAL_SALT = "20261207060000_reading_seal_salt";

/**
 * Puts the database's reading rows back in the shape before migration 20261207050000: each
 * row's payload hash stored (the one its row derives, which is the one the intake computed) and
 * the column NOT NULL. Past the append-only trigger, as the database's owner could.
 */
async function storePayloadHashes(sql: Sql): Promise<void> {
  const rows = await sql.query<EnvelopeRow & { leaf_index: number; payload_hash: Uint8Array | null }>(
    `SELECT leaf_index, dataset_id, device_id, seq, observed_at, lon, lat, payload::text AS payload, payload_hash FROM reading`,
  );
  await sql.transaction(async (tx) => {
    await tx.exec(`SET LOCAL session_replication_role = replica`);
    await tx.query(`UPDATE reading r SET payload_hash = u.h FROM unnest($1::int8[], $2::bytea[]) AS u(i, h) WHERE r.leaf_index = u.i`, [
      rows.map((r) => Number(r.leaf_index)),
      rows.map((r) => Buffer.from(payloadHashOfRow(r))),
    ]);
  });
  await sql.exec(`ALTER TABLE reading ALTER COLUMN payload_hash SET NOT NULL`);
}

// Migration 20261207010000_reading_leaf_folded moves each reading.v1 leaf of an existing
// database (a ledger_leaf row with no entry) into its reading row, and 20261207020000_gateway_batch_leaves
// gives each gateway batch its readings' leaf range. A database is put back in the shape
// before them (leaves in ledger_leaf, no leaf_hash or received_at in reading, an index on
// gateway_batch_id instead of the ranges) and migrated again: every reading still verifies,
// and a leaf hash changed in a row is named.
describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("a database upgraded to readings with their leaves on %s", (_n, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let opts: Parameters<typeof auditLedger>[1];
  let publisher: { round(): Promise<number> };
  let leafTimes: { leaf_index: number; created_at: Date }[];

  beforeAll(async () => {
    db = await target.open();
    const keys = await registeredSensors(db.sql, [...SENSORS, FIXTURE_GATEWAY]);
    const log = await fixtureLog(db.sql, AUDIT_ORIGIN);
    publisher = log.publisher;
    opts = { ...log.opts, chunk: 64 };
    for (let s = 1; s <= 200; s += 50) {
      await storeReadings(db.sql, Array.from({ length: 50 }, (_, i) => fixtureReading(SENSORS[(s + i) % 3], s + i, keys.get(SENSORS[(s + i) % 3])!)));
      await publisher.round();
    }
    await storeGatewayBatch(db.sql, keys.get(FIXTURE_GATEWAY)!, Array.from({ length: 20 }, (_, i) => fixtureReading(SENSORS[i % 3], 1000 + i, keys.get(SENSORS[i % 3])!)));
    await publisher.round();
    // The shape before the migrations (these readings are public: no sealed leaf to move back;
    // sealed-leaf-upgrade.int.test.ts has them; each payload hash stored, payload-hash-upgrade.int.test.ts).
    await storePayloadHashes(db.sql);
    await db.sql.exec(`DROP VIEW ledger_leaf_all;
      ALTER TABLE reading DROP COLUMN sealed_leaf_hash, DROP COLUMN seal_salt;
      ALTER TABLE reading ALTER COLUMN payload TYPE jsonb USING payload::jsonb;
      INSERT INTO ledger_leaf (leaf_index, kind, entry, leaf_hash, ref_table, ref_id, created_at)
        SELECT leaf_index, 'reading.v1', NULL, leaf_hash, NULL, NULL, received_at - interval '1 second' FROM reading WHERE leaf_hash IS NOT NULL;
      ALTER TABLE reading DROP COLUMN leaf_hash, DROP COLUMN received_at;
      ALTER TABLE gateway_batch DROP COLUMN first_leaf, DROP COLUMN last_leaf;
      CREATE INDEX "reading_gateway_batch_id_idx" ON "reading"("gateway_batch_id");
      DELETE FROM "_prisma_migrations" WHERE migration_name IN ('${FOLDED}', '${BATCH_LEAVES}', '${SEALED}', '${PAYLOAD_JSON}', '${DERIVED}', '${SEAL_SALT}');`);
    leafTimes = await db.sql.query(`SELECT leaf_index, created_at FROM ledger_leaf WHERE kind = 'reading.v1' ORDER BY leaf_index`);
    expect(leafTimes).toHaveLength(220);
    expect(await migrate(db.sql)).toEqual([FOLDED, BATCH_LEAVES, SEALED, PAYLOAD_JSON, DERIVED, SEAL_SALT]);
  }, 120_000);
  afterAll(async () => db?.drop());

  it("moves each reading's leaf hash and time into its row, and the log audits clean", async () => {
    expect(await db.sql.query(`SELECT leaf_index FROM ledger_leaf WHERE kind = 'reading.v1'`)).toEqual([]);
    const rows = await db.sql.query<{ leaf_index: number; received_at: Date; n: number }>(`SELECT leaf_index, received_at, length(leaf_hash) AS n FROM reading ORDER BY leaf_index`);
    expect(rows.map((r) => [Number(r.leaf_index), new Date(r.received_at).getTime(), r.n])).toEqual(leafTimes.map((l) => [Number(l.leaf_index), new Date(l.created_at).getTime(), 32]));
    const [entry] = await readLeafEntries(db.sql, Number(rows[0].leaf_index), Number(rows[0].leaf_index) + 1);
    expect(JSON.parse(Buffer.from(entry.entry!).toString("utf8"))).toMatchObject({ kind: "reading.v1", seq: 1 });
    const r = await auditLedger(db.sql, opts);
    expect(r.discrepancies).toEqual([]);
    expect(r).toMatchObject({ ok: true, readings: 220, leaves: 224 });
    // The batch's leaf range, and its readings found by it.
    const [batch] = await db.sql.query<{ first_leaf: number; last_leaf: number; n: number }>(
      `SELECT g.first_leaf, g.last_leaf, (SELECT count(*)::int FROM reading r WHERE r.leaf_index BETWEEN g.first_leaf AND g.last_leaf AND r.gateway_batch_id = g.id) AS n FROM gateway_batch g`,
    );
    expect([Number(batch.last_leaf) - Number(batch.first_leaf), batch.n]).toEqual([19, 20]);
  });

  it("goes on storing and integrating readings after the upgrade", async () => {
    const keys = await registeredSensors(db.sql, ["trf-z"]);
    await storeReadings(db.sql, Array.from({ length: 30 }, (_, i) => fixtureReading("trf-z", i + 1, keys.get("trf-z")!)));
    await publisher.round();
    const r = await auditLedger(db.sql, opts);
    expect(r.discrepancies).toEqual([]);
    expect(r).toMatchObject({ ok: true, readings: 250, leaves: 255 });
  });

  it("names a leaf hash changed in a reading row", async () => {
    const [victim] = await db.sql.query<{ leaf_index: number }>(`SELECT leaf_index FROM reading WHERE seq = 77 AND device_id = $1`, [SENSORS[77 % 3]]);
    await db.sql.exec(`ALTER TABLE reading DISABLE TRIGGER reading_append_only`);
    await db.sql.query(`UPDATE reading SET leaf_hash = set_byte(leaf_hash, 5, (get_byte(leaf_hash, 5) + 1) % 256) WHERE leaf_index = $1`, [victim.leaf_index]);
    await db.sql.exec(`ALTER TABLE reading ENABLE TRIGGER reading_append_only`);
    const at = Number(victim.leaf_index);
    for (const threads of [2, 0]) {
      const r = await auditLedger(db.sql, { ...opts, threads });
      expect(r.discrepancies).toEqual([
        { table: "reading", id: String(at), leafIndex: at, field: "leaf_hash", what: "stored leaf hash differs from SHA-256 of the entry its reading row makes (the row or the leaf hash changed)" },
      ]);
    }
  });
});
