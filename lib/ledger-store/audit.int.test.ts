import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { storeReadings, type AcceptedReading } from "../ingest/store-readings";
import { createLogPublisher } from "./log-service";
import { inProcessWitness } from "./witnesses";
import { auditLedger } from "./audit";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { generateNoteKey, SIG_TYPE_ED25519 } from "../ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../ledger/cosignature";
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { registeredSensors, type FixtureKey } from "./testing/audit-fixture";

const targets = await testTargets();
const ORIGIN = "audit.city-brain.example/ledger";
// Seven sensors, their keys registered first (leaves 0..6): the readings are signed with them.
const SENSORS = Array.from({ length: 7 }, (_, i) => `trf-${String(i).padStart(6, "0")}`);

function reading(seq: number, keys: Map<string, FixtureKey>): AcceptedReading {
  const envelope = {
    device: `trf-${String(seq % 7).padStart(6, "0")}`,
    dataset: "traffic.flow",
    seq,
    observedAt: new Date(1_790_000_000_000 + seq * 1000).toISOString(),
    location: [121.4 + seq / 1e5, 37.45] as [number, number],
    values: { segmentId: `seg-${seq % 7}`, speedKmh: 30 + (seq % 17) * 1.5, flowVehH: 400 + seq, occupancy: 0.125, note: "烟台 ✓" },
  };
  const bytes = canonicalJsonBytes(envelope);
  return { ...envelope, payloadHash: crypto.createHash("sha256").update(bytes).digest(), signature: keys.get(envelope.device)!.sign(bytes) };
}

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("ledger audit on %s", (_n, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let opts: Parameters<typeof auditLedger>[1];

  beforeAll(async () => {
    db = await target.open();
    const keys = await registeredSensors(db.sql, SENSORS);
    const ed = webCryptoEd25519();
    const log = await generateNoteKey(ed, ORIGIN, SIG_TYPE_ED25519);
    const wk = await Promise.all([0, 1, 2].map((i) => generateNoteKey(ed, `audit/witness/${i}`, SIG_TYPE_COSIGNATURE_V1)));
    const witnesses = await Promise.all(
      wk.map((k, i) => inProcessWitness({ sql: db.sql, department: `d${i}`, signerKey: k.signerKey, verifierKey: k.verifierKey, log: { origin: ORIGIN, verifierKey: log.verifierKey } })),
    );
    const publisher = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: log.signerKey, witnesses, intervalMs: 1000 });
    for (const [from, n] of [[0, 300], [300, 1], [301, 2500]]) {
      await storeReadings(db.sql, Array.from({ length: n }, (_, i) => reading(from + i, keys)));
      await publisher.round();
    }
    opts = { logVerifierKey: log.verifierKey, witnessVerifierKeys: wk.map((k) => k.verifierKey), quorum: 2, chunk: 1000 };
  });
  afterAll(async () => db?.drop());

  it("is clean on an untouched ledger and counts what it checked", async () => {
    const r = await auditLedger(db.sql, opts);
    expect(r.discrepancies).toEqual([]);
    expect(r).toMatchObject({ ok: true, leaves: 2808, readings: 2801, checkpoints: 3, cosignatures: 9, belowQuorum: 0 });
  });

  it("names a changed reading byte, a changed leaf hash and a changed checkpoint", async () => {
    const [victim] = await db.sql.query<{ id: number; leaf_index: number }>(`SELECT leaf_index AS id, leaf_index FROM reading WHERE seq = 1234`);
    const [{ size: second }] = await db.sql.query<{ size: number }>(`SELECT size FROM checkpoint ORDER BY size OFFSET 1 LIMIT 1`);
    await db.sql.exec(`ALTER TABLE reading DISABLE TRIGGER reading_append_only; ALTER TABLE ledger_leaf DISABLE TRIGGER ledger_leaf_append_only; ALTER TABLE checkpoint DISABLE TRIGGER checkpoint_append_only;`);
    try {
      // One byte of a stored reading: speed 45.0 becomes 46.0.
      await db.sql.query(`UPDATE reading SET payload = jsonb_set(payload::jsonb, '{speedKmh}', to_jsonb(((payload->>'speedKmh')::float8 + 1))) WHERE leaf_index = $1`, [victim.id]);
      // One leaf hash (a reading's, folded into its row): flip its first byte.
      await db.sql.query(`UPDATE reading SET leaf_hash = set_byte(leaf_hash, 0, (get_byte(leaf_hash, 0) + 1) % 256) WHERE leaf_index = 42`);
      // One checkpoint: its signed note claims another root.
      await db.sql.query(`UPDATE checkpoint SET note = replace(note, split_part(note, E'\\n', 3), 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=') WHERE size = $1`, [second]);
    } finally {
      await db.sql.exec(`ALTER TABLE reading ENABLE TRIGGER reading_append_only; ALTER TABLE ledger_leaf ENABLE TRIGGER ledger_leaf_append_only; ALTER TABLE checkpoint ENABLE TRIGGER checkpoint_append_only;`);
    }
    const r = await auditLedger(db.sql, opts);
    expect(r.ok).toBe(false);
    expect(r.discrepancies).toEqual(
      expect.arrayContaining([
        // The row stores no payload hash (derived since 20261207050000): the signature no longer
        // verifies over the envelope it makes, and the entry it makes no longer hashes to its leaf's.
        expect.objectContaining({ table: "reading", id: String(victim.id), leafIndex: Number(victim.leaf_index), field: "signature", what: expect.stringContaining("differ from what was signed") }),
        expect.objectContaining({ table: "reading", id: String(victim.id), leafIndex: Number(victim.leaf_index), field: "leaf_hash" }),
        expect.objectContaining({ table: "reading", id: "42", leafIndex: 42, field: "leaf_hash", what: expect.stringContaining("leaf hash") }),
        expect.objectContaining({ table: "checkpoint", id: String(second), what: expect.stringContaining("does not verify") }),
      ]),
    );
    // The rest is the tree: recomputed from the rows, it takes the entry the changed row makes
    // (it holds the derived payload hash), so the level-0 tile and the checkpoints after it differ.
    expect(r.discrepancies.filter((d) => !["reading", "checkpoint", "ledger_tile"].includes(d.table))).toEqual([]);
    expect(r.discrepancies.filter((d) => d.table === "reading")).toHaveLength(3);
    expect(r.discrepancies.filter((d) => d.table === "ledger_tile").map((d) => d.id)).toEqual(["0/4", "1/0"]);
  });

  // A reading's leaf is folded into its row: deleting the row deletes the leaf. The audit names
  // it and goes on with the leaf's hash from the level-0 tile, checking every leaf after it.
  it("names a deleted reading", async () => {
    const [victim] = await db.sql.query<{ leaf_index: number; device_id: string; seq: number }>(`SELECT leaf_index, device_id, seq FROM reading WHERE seq = 2000`);
    await db.sql.exec(`ALTER TABLE reading DISABLE TRIGGER reading_append_only`);
    await db.sql.query(`DELETE FROM reading WHERE seq = 2000`);
    await db.sql.exec(`ALTER TABLE reading ENABLE TRIGGER reading_append_only`);
    const r = await auditLedger(db.sql, opts);
    expect(r.discrepancies).toContainEqual(
      expect.objectContaining({ table: "ledger_leaf", id: String(victim.leaf_index), leafIndex: Number(victim.leaf_index), what: expect.stringContaining("no ledger_leaf row and no reading row holds it") }),
    );
    expect(r.leaves).toBe(2808);
    // (The newest checkpoint is named already: the payload changed in the test before shows in the tree.)
    expect(r.discrepancies.filter((d) => d.leafIndex !== null && d.leafIndex >= Number(victim.leaf_index) && d.table !== "checkpoint")).toHaveLength(1);
  });

  // The row checks run on worker threads with shortcuts (no JSON.parse of flat payloads, the
  // time formatted by hand, signatures as base64 from the database): each must still catch these.
  it("names a reading whose time, signature, payload type or escaped text changed, on worker threads and on this thread", async () => {
    const victims = await db.sql.query<{ id: number; leaf_index: number; seq: number }>(`SELECT leaf_index AS id, leaf_index, seq FROM reading WHERE seq IN (2100, 2200, 2300, 2400, 2500) ORDER BY seq`);
    await db.sql.exec(`ALTER TABLE reading DISABLE TRIGGER reading_append_only`);
    try {
      await db.sql.query(`UPDATE reading SET observed_at = observed_at + interval '1 millisecond' WHERE seq = 2100`);
      await db.sql.query(`UPDATE reading SET signature = set_byte(signature, 63, (get_byte(signature, 63) + 1) % 256) WHERE seq = 2200`);
      await db.sql.query(`UPDATE reading SET payload = jsonb_set(payload::jsonb, '{occupancy}', to_jsonb((payload->>'occupancy')::text)) WHERE seq = 2300`);
      // A value whose text needs escapes (COPY and JSON): such a row takes the full check.
      await db.sql.query(`UPDATE reading SET payload = jsonb_set(payload::jsonb, '{note}', to_jsonb(E'a"b\\\\c\\td'::text)) WHERE seq = 2400`);
      await db.sql.query(`UPDATE reading SET lon = lon + 1e-9 WHERE seq = 2500`);
    } finally {
      await db.sql.exec(`ALTER TABLE reading ENABLE TRIGGER reading_append_only`);
    }
    for (const threads of [2, 0]) {
      const r = await auditLedger(db.sql, { ...opts, threads });
      for (const [i, what] of [
        [0, "differ from what was signed"],
        [1, "signature"],
        [2, "differ from what was signed"],
        [3, "differ from what was signed"],
        [4, "differ from what was signed"],
      ] as const) {
        expect(r.discrepancies).toContainEqual(
          expect.objectContaining({ table: "reading", id: String(victims[i].id), leafIndex: Number(victims[i].leaf_index), what: expect.stringContaining(what) }),
        );
      }
      // The changed signature is also named as one: it does not verify over the row.
      expect(r.discrepancies).toContainEqual(
        expect.objectContaining({ table: "reading", id: String(victims[1].id), field: "signature", what: expect.stringContaining("does not verify under any key device") }),
      );
      expect(r.leaves).toBe(2808);
    }
  });
  // The kind column is not trusted either: a reading leaf moved out of its row into a ledger_leaf
  // row labelled as another kind still has its reading row checked against its entry.
  it("names a leaf whose kind column was changed, and still checks its reading", async () => {
    const [victim] = await db.sql.query<{ id: number; leaf_index: number }>(`SELECT leaf_index AS id, leaf_index FROM reading WHERE seq = 2600`);
    await db.sql.exec(`ALTER TABLE reading DISABLE TRIGGER reading_append_only; ALTER TABLE ledger_leaf DISABLE TRIGGER ledger_leaf_append_only`);
    try {
      await db.sql.query(`INSERT INTO ledger_leaf (leaf_index, kind, leaf_hash, created_at) SELECT leaf_index, 'device.v1', leaf_hash, received_at FROM reading WHERE leaf_index = $1`, [victim.leaf_index]);
      await db.sql.query(`UPDATE reading SET seq = seq + 100000, leaf_hash = NULL WHERE leaf_index = $1`, [victim.id]);
    } finally {
      await db.sql.exec(`ALTER TABLE reading ENABLE TRIGGER reading_append_only; ALTER TABLE ledger_leaf ENABLE TRIGGER ledger_leaf_append_only`);
    }
    for (const threads of [2, 0]) {
      const r = await auditLedger(db.sql, { ...opts, threads });
      const at = Number(victim.leaf_index);
      expect(r.discrepancies).toContainEqual({ table: "ledger_leaf", id: String(at), leafIndex: at, what: `kind column says "device.v1", the entry is "reading.v1"` });
      expect(r.discrepancies).toContainEqual(expect.objectContaining({ table: "reading", id: String(victim.id), leafIndex: at, what: expect.stringContaining("differ from what was signed") }));
      // The leaf stores no entry: the one the changed row makes no longer hashes to the leaf's hash.
      expect(r.discrepancies).toContainEqual(expect.objectContaining({ table: "ledger_leaf", id: String(at), leafIndex: at, what: expect.stringContaining("entry its reading row makes") }));
    }
  });
});

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("ledger audit of a deleted leaf on %s", (_n, target) => {
  it("names the first missing leaf and stops recomputing there", async () => {
    const db = await target.open();
    try {
      const keys = await registeredSensors(db.sql, SENSORS);
      await storeReadings(db.sql, Array.from({ length: 50 }, (_, i) => reading(i, keys)));
      // Leaf 17 is a reading's, folded into its row; there are no tiles to take its hash from.
      await db.sql.exec(`ALTER TABLE reading DISABLE TRIGGER reading_append_only`);
      await db.sql.query(`DELETE FROM reading WHERE leaf_index = 17`);
      await db.sql.exec(`ALTER TABLE reading ENABLE TRIGGER reading_append_only`);
      const ed = webCryptoEd25519();
      const log = await generateNoteKey(ed, ORIGIN, SIG_TYPE_ED25519);
      const r = await auditLedger(db.sql, { logVerifierKey: log.verifierKey, witnessVerifierKeys: [], quorum: 0, chunk: 10 });
      expect(r.discrepancies[0]).toEqual({ table: "ledger_leaf", id: "17", leafIndex: 17, what: "leaves 17..17 are missing" });
      expect(r.leaves).toBe(17);
    } finally {
      await db.drop();
    }
  });
});

// The audit reads through Sql.copyOutBinary (on PostgreSQL, straight off the socket).
describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("copyOutBinary on %s", (_n, target) => {
  it("gives PostgreSQL's binary COPY bytes, across many socket reads, and fails cleanly", async () => {
    const db = await target.open();
    try {
      const out = Buffer.from(await db.sql.copyOutBinary(`SELECT g::int8, repeat(chr(65 + g % 26), g % 700)::bytea FROM generate_series(1, 20000) g`));
      expect(out.subarray(0, 11).toString("latin1")).toBe("PGCOPY\n\xff\r\n\0");
      let p = 19 + out.readInt32BE(15);
      let rows = 0;
      while (out.readInt16BE(p) !== -1) {
        expect(out.readInt16BE(p)).toBe(2);
        const g = Number(out.readBigInt64BE(p + 6));
        expect(g).toBe(rows + 1);
        const len = out.readInt32BE(p + 14);
        expect(len).toBe(g % 700);
        expect(out.subarray(p + 18, p + 18 + len).toString("latin1")).toBe(String.fromCharCode(65 + (g % 26)).repeat(g % 700));
        p += 18 + len;
        rows++;
      }
      expect(rows).toBe(20000);
      expect(p + 2).toBe(out.length);
      await expect(db.sql.copyOutBinary(`SELECT 1 / (g - 5000) FROM generate_series(1, 10000) g`)).rejects.toThrow(/division by zero/);
      // The connection is usable after the error.
      expect(Buffer.from(await db.sql.copyOutBinary(`SELECT 1::int8 WHERE false`)).length).toBe(21);
      expect(await db.sql.query<{ n: number }>(`SELECT 41 + 1 AS n`)).toEqual([{ n: 42 }]);
    } finally {
      await db.drop();
    }
  });
});
