import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { storeReadings, type AcceptedReading } from "../ingest/store-readings";
import { payloadHashOfRow, type EnvelopeRow } from "../ingest/envelope";
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { migrate } from "../db/migrate";
import { auditLedger } from "./audit";
import { readLeafEntries } from "./leaf-entries";
import { AUDIT_ORIGIN, FIXTURE_GATEWAY, fixtureLog, fixtureReading, registeredSensors, storeGatewayBatch, type FixtureKey } from "./testing/audit-fixture";

const targets = await testTargets();
const SENSORS = ["trf-a", "trf-b", "trf-c"];
const DERIVED = "20261207050000_reading_payload_hash_derived";
const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString("hex") : null);

// Values whose json and jsonb texts differ from the canonical form the device signed: numbers
// ECMAScript writes otherwise than PostgreSQL's numeric (1e21, 1e-7, 0.1 + 0.2, -0), keys jsonb
// orders by length first and RFC 8785 by UTF-16 code units, escapes and characters beyond the BMP.
const ODD_VALUES = { big: 1e21, tiny: 1e-7, sum: 0.1 + 0.2, negZero: -0, z: "z", é: "é\"\\\n\t", "😀": "烟台 😀", aa: true, b: -12.5e-3 };
function oddReading(device: string, seq: number, key: Pick<FixtureKey, "sign">, dataset: string): AcceptedReading {
  const envelope = { device, dataset, seq, observedAt: new Date(1_790_000_000_000 + seq * 1000).toISOString(), location: [121.4 + seq / 1e5, 37.45] as [number, number], values: ODD_VALUES };
  const bytes = canonicalJsonBytes(envelope);
  return { ...envelope, payloadHash: crypto.createHash("sha256").update(bytes).digest(), signature: key.sign(bytes) };
}

// Migration 20261207050000_reading_payload_hash_derived stops storing a reading's payload hash:
// it is derived from the row (SHA-256 of the canonical envelope the row makes). Rows stored before
// keep theirs. A database is put back in the shape before (every row's payload hash stored, NOT
// NULL, and the payload in jsonb's normalized text, as 20261207040000 left the rows it converted)
// and migrated: the log serves the same entries byte for byte, every row's derived hash equals its
// stored one, the audit is clean, and new readings are stored without a hash and audit clean.
describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("a database upgraded to derived payload hashes on %s", (_n, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let opts: Parameters<typeof auditLedger>[1];
  let publisher: { round(): Promise<number> };
  let keys: Awaited<ReturnType<typeof registeredSensors>>;
  let served: { index: number; kind: string; entry: string | null; salt: string | null; inner: string | null }[];
  let stored: Map<number, string>;

  const entries = async () => (await readLeafEntries(db.sql, 0, 1 << 20)).map((e) => ({ index: e.index, kind: e.kind, entry: hex(e.entry), salt: hex(e.salt), inner: hex(e.inner) }));
  type Row = EnvelopeRow & { leaf_index: number; payload_hash: Uint8Array | null };
  const rows = async () => db.sql.query<Row>(`SELECT leaf_index, dataset_id, device_id, seq, observed_at, lon, lat, payload::text AS payload, payload_hash FROM reading ORDER BY leaf_index`);

  beforeAll(async () => {
    db = await target.open();
    keys = await registeredSensors(db.sql, [...SENSORS, FIXTURE_GATEWAY]);
    const log = await fixtureLog(db.sql, AUDIT_ORIGIN);
    publisher = log.publisher;
    opts = { ...log.opts, chunk: 64 };
    // Every other reading a camera's (safety.cameras: sealed); every tenth with odd values.
    const reading = (n: number) => {
      const device = SENSORS[n % 3];
      const dataset = n % 2 ? "safety.cameras" : "traffic.flow";
      return n % 10 === 0 ? oddReading(device, n, keys.get(device)!, dataset) : fixtureReading(device, n, keys.get(device)!, dataset);
    };
    for (let s = 1; s <= 200; s += 50) {
      await storeReadings(db.sql, Array.from({ length: 50 }, (_, i) => reading(s + i)));
      await publisher.round();
    }
    await storeGatewayBatch(db.sql, keys.get(FIXTURE_GATEWAY)!, Array.from({ length: 20 }, (_, i) => reading(1000 + i)));
    await publisher.round();
    served = await entries();
    expect((await rows()).every((r) => r.payload_hash === null)).toBe(true);
    // The shape before: each row's payload hash stored (the intake's, computed from the accepted
    // reading: recomputed here from the signed envelope), NOT NULL, the payload in jsonb's text.
    const before = new Map<string, Uint8Array>();
    for (let n = 1; n <= 200; n++) before.set(`${SENSORS[n % 3]}:${n}`, reading(n).payloadHash);
    for (let n = 1000; n < 1020; n++) before.set(`${SENSORS[n % 3]}:${n}`, reading(n).payloadHash);
    const all = await rows();
    await db.sql.transaction(async (tx) => {
      // Past the append-only trigger, as the database's owner could.
      await tx.exec(`SET LOCAL session_replication_role = replica`);
      await tx.query(
        `UPDATE reading r SET payload_hash = u.h, payload = r.payload::jsonb::text::json FROM unnest($1::int8[], $2::bytea[]) AS u(i, h) WHERE r.leaf_index = u.i`,
        [all.map((r) => Number(r.leaf_index)), all.map((r) => Buffer.from(before.get(`${r.device_id}:${Number(r.seq)}`)!))],
      );
    });
    await db.sql.exec(`ALTER TABLE reading ALTER COLUMN payload_hash SET NOT NULL; DELETE FROM "_prisma_migrations" WHERE migration_name = '${DERIVED}';`);
    stored = new Map((await rows()).map((r) => [Number(r.leaf_index), hex(r.payload_hash)!]));
    expect(stored.size).toBe(220);
    // The odd values' text is jsonb's now, not the canonical form.
    const [odd] = await db.sql.query<{ payload: string }>(`SELECT payload::text AS payload FROM reading WHERE seq = 10`);
    expect(odd.payload).not.toBe(JSON.stringify(ODD_VALUES));
    expect(await migrate(db.sql)).toEqual([DERIVED]);
  }, 120_000);
  afterAll(async () => db?.drop());

  it("keeps every stored hash, each the one its row derives; the log serves the same entries and audits clean", async () => {
    const after = await rows();
    expect(new Map(after.map((r) => [Number(r.leaf_index), hex(r.payload_hash)]))).toEqual(stored);
    // What a reader derives from each row (its stored hash set aside) is the hash it was stored with.
    expect(after.filter((r) => hex(payloadHashOfRow({ ...r, payload_hash: null })) !== stored.get(Number(r.leaf_index))).map((r) => Number(r.leaf_index))).toEqual([]);
    expect(await entries()).toEqual(served);
    const [{ nullable }] = await db.sql.query<{ nullable: boolean }>(`SELECT NOT attnotnull AS nullable FROM pg_attribute WHERE attrelid = 'reading'::regclass AND attname = 'payload_hash'`);
    expect(nullable).toBe(true);
    for (const threads of [0, 2]) {
      const r = await auditLedger(db.sql, { ...opts, threads });
      expect(r.discrepancies).toEqual([]);
      expect(r).toMatchObject({ ok: true, readings: 220, leaves: 224 });
    }
  });

  it("goes on storing readings without a payload hash, served and audited as the rows before", async () => {
    await storeReadings(db.sql, Array.from({ length: 30 }, (_, i) => (i % 5 ? fixtureReading : oddReading)("trf-a", 3000 + i, keys.get("trf-a")!, i % 2 ? "safety.cameras" : "traffic.flow")));
    await storeGatewayBatch(db.sql, keys.get(FIXTURE_GATEWAY)!, Array.from({ length: 10 }, (_, i) => oddReading("trf-b", 3100 + i, keys.get("trf-b")!, "traffic.flow")));
    await publisher.round();
    const [{ n }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading WHERE seq >= 3000 AND payload_hash IS NULL`);
    expect(n).toBe(40);
    expect((await entries()).slice(0, served.length)).toEqual(served);
    for (const threads of [0, 2]) {
      const r = await auditLedger(db.sql, { ...opts, threads });
      expect(r.discrepancies).toEqual([]);
      expect(r).toMatchObject({ ok: true, readings: 260, leaves: 264 });
    }
  });
});
