import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { storeReadings, type AcceptedReading } from "./store-readings";
import { auditLedger } from "../ledger-store/audit";
import { readLeafEntries } from "../ledger-store/leaf-entries";
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { fixtureLog, registeredSensors, type FixtureKey } from "../ledger-store/testing/audit-fixture";
import { ensureReadingPartitions } from "./reading-partitions";
import { archiveReadings, checkArchive, type ArchivedReading } from "./archive-readings";

const targets = await testTargets();
const ORIGIN = "archive.city-brain.example/ledger";
const SENSORS = ["trf-000001", "trf-000002", "trf-000003"];
const DAY = 86_400_000;
// Midnight UTC of the first day; readings on three days, 100 a day.
const T0 = Date.UTC(2026, 8, 20);

function reading(seq: number, keys: Map<string, FixtureKey>): AcceptedReading {
  const envelope = {
    device: SENSORS[seq % SENSORS.length],
    // Every fifth a camera's (confidential): a sealed reading, its commitment leaf folded into its row too.
    dataset: seq % 5 === 0 ? "safety.cameras" : "traffic.flow",
    seq,
    observedAt: new Date(T0 + Math.floor(seq / 100) * DAY + (seq % 100) * 60_000).toISOString(),
    location: [121.4 + seq / 1e5, 37.45] as [number, number],
    values: { segmentId: `seg-${seq % 7}`, speedKmh: 30 + (seq % 17) * 1.5, flowVehH: 400 + seq, occupancy: 0.125 },
  };
  const bytes = canonicalJsonBytes(envelope);
  return { ...envelope, payloadHash: crypto.createHash("sha256").update(bytes).digest(), signature: keys.get(envelope.device)!.sign(bytes) };
}

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("reading retention and archives on %s", (_n, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let opts: Parameters<typeof auditLedger>[1];
  let leaves: number[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reading-archive-"));

  beforeAll(async () => {
    db = await target.open();
    const keys = await registeredSensors(db.sql, SENSORS);
    expect(await ensureReadingPartitions(db.sql, { now: new Date(T0), daysBack: 0, daysAhead: 2 })).toEqual([]);
    const log = await fixtureLog(db.sql, ORIGIN);
    leaves = await storeReadings(db.sql, Array.from({ length: 300 }, (_, i) => reading(i + 1, keys)));
    await log.publisher.round();
    opts = { ...log.opts, chunk: 128 };
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("stores a reading's leaf in its row with no copy of its entry, and rebuilds the entry the leaf hashes", async () => {
    expect(await db.sql.query(`SELECT leaf_index FROM ledger_leaf WHERE leaf_index = $1`, [leaves[0]])).toEqual([]);
    const [row] = await db.sql.query<{ entry: Uint8Array | null; ref_id: string | null; n: number }>(`SELECT entry, ref_id, length(leaf_hash) AS n FROM ledger_leaf_all WHERE leaf_index = $1`, [leaves[0]]);
    expect(row).toEqual({ entry: null, ref_id: null, n: 32 });
    const [e] = await readLeafEntries(db.sql, leaves[0], leaves[0] + 1);
    expect(JSON.parse(Buffer.from(e.entry!).toString("utf8"))).toMatchObject({ kind: "reading.v1", device: SENSORS[1], seq: 1 });
    expect((await auditLedger(db.sql, opts)).discrepancies).toEqual([]);
  });

  it("archives the days past the retention to a gzip file with a manifest, drops them, and the log still verifies them", async () => {
    const sealedBefore = (await readLeafEntries(db.sql, leaves[0], leaves[98] + 1)).filter((e) => e.kind === "commitment.v1");
    expect(sealedBefore).toHaveLength(19);
    // A sealed reading's salt is a column of its row (seal_salt, 20261207060000): no ledger_commitment row while the row is stored.
    expect(await db.sql.query(`SELECT leaf_index FROM ledger_commitment WHERE leaf_index = ANY($1::int8[])`, [sealedBefore.map((e) => e.index)])).toEqual([]);
    const saltsBefore = sealedBefore.map((e) => [e.index, Buffer.from(e.salt!).toString("hex")]);
    // Two days later at noon, keeping one day: the first day goes (the second is inside the day kept).
    const made = await archiveReadings(db.sql, { retentionDays: 1, dir, now: new Date(T0 + 2 * DAY + DAY / 2) });
    const day = new Date(T0).toISOString().slice(0, 10);
    expect(made.map((m) => [m.day, m.readings])).toEqual([[day, 99]]);
    const firstDay = leaves.slice(0, 99);
    expect([made[0].firstLeaf, made[0].lastLeaf]).toEqual([firstDay[0], firstDay[98]]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, `reading-${day}.manifest.json`), "utf8")) as { sha256: string; readings: number };
    const file = path.join(dir, made[0].file);
    expect(manifest.sha256).toBe(crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex"));
    // The partition is gone; the leaves, their hashes (copied from the reading rows into ledger_leaf) and the tree stay.
    const [{ n }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading`);
    expect(n).toBe(201);
    expect(await db.sql.query(`SELECT to_regclass('reading_p${day.replaceAll("-", "")}') AS t`)).toEqual([{ t: null }]);
    const [{ l }] = await db.sql.query<{ l: number }>(`SELECT count(*)::int AS l FROM ledger_leaf WHERE leaf_index = ANY($1::int8[])`, [firstDay]);
    expect(l).toBe(99);
    // A sealed reading's leaf goes back with its commitment entry (rebuilt from the salt and the
    // row before the row went), so the log serves it as before; its opening's inner entry is gone with the row.
    const sealedAfter = (await readLeafEntries(db.sql, leaves[0], leaves[98] + 1)).filter((e) => e.kind === "commitment.v1");
    expect(sealedAfter.map((e) => [e.index, Buffer.from(e.entry!).toString("hex")])).toEqual(sealedBefore.map((e) => [e.index, Buffer.from(e.entry!).toString("hex")]));
    // Its salt goes back into ledger_commitment (its opening, inner entry NULL) and into the file.
    expect(sealedAfter.map((e) => [e.index, Buffer.from(e.salt!).toString("hex")])).toEqual(saltsBefore);
    const [{ c }] = await db.sql.query<{ c: number }>(`SELECT count(*)::int AS c FROM ledger_commitment WHERE entry IS NULL AND leaf_index = ANY($1::int8[])`, [sealedBefore.map((e) => e.index)]);
    expect(c).toBe(19);
    const inFile = zlib.gunzipSync(fs.readFileSync(file)).toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as ArchivedReading);
    expect(inFile.filter((l) => l.salt !== undefined).map((l) => [l.leafIndex, l.salt])).toEqual(saltsBefore);
    // The database audit passes (archived leaves are the archive's to check), and so does the file against the log.
    const r = await auditLedger(db.sql, opts);
    expect(r.discrepancies).toEqual([]);
    expect(await checkArchive(db.sql, file)).toEqual({ readings: 99, problems: [] });
    // Nothing past the retention is left: a second run archives nothing.
    expect(await archiveReadings(db.sql, { retentionDays: 1, dir, now: new Date(T0 + 2 * DAY + DAY / 2) })).toEqual([]);
  });

  it("names an archived reading that no longer hashes to its leaf, and a file that is not the one archived", async () => {
    const day = new Date(T0).toISOString().slice(0, 10);
    const file = path.join(dir, `reading-${day}.ndjson.gz`);
    const lines = zlib.gunzipSync(fs.readFileSync(file)).toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as ArchivedReading);
    const victim = lines[5];
    lines[5] = { ...victim, observedAt: new Date(Date.parse(victim.observedAt) + 1).toISOString() };
    // A sealed one (seq 10, a camera's): checked through its commitment, with its opening's salt.
    const sealed = lines[9];
    expect(sealed.dataset).toBe("safety.cameras");
    lines[9] = { ...sealed, location: [sealed.location[0], sealed.location[1]], seq: sealed.seq + 1000 };
    // Another sealed one (seq 15) with a salt in the file that is not its opening's.
    const resalted = lines[14];
    expect(resalted.salt).toHaveLength(64);
    lines[14] = { ...resalted, salt: (resalted.salt![0] === "0" ? "1" : "0") + resalted.salt!.slice(1) };
    const forged = path.join(dir, "forged.ndjson.gz");
    fs.writeFileSync(forged, zlib.gzipSync(lines.map((l) => JSON.stringify(l)).join("\n") + "\n"));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, `reading-${day}.manifest.json`), "utf8")) as Record<string, unknown>;
    fs.writeFileSync(path.join(dir, "forged.manifest.json"), JSON.stringify(manifest));
    const { problems } = await checkArchive(db.sql, forged);
    expect(problems).toContainEqual({ leafIndex: victim.leafIndex, what: "the archived reading's entry does not hash to the log's leaf hash" });
    expect(problems).toContainEqual({ leafIndex: sealed.leafIndex, what: "the archived reading's entry does not hash to the log's leaf hash" });
    expect(problems).toContainEqual({ leafIndex: resalted.leafIndex, what: "the archived reading's salt is not the one its opening in the console holds" });
    expect(problems.filter((p) => p.leafIndex !== null)).toHaveLength(3);
    expect(problems).toContainEqual({ leafIndex: null, what: expect.stringContaining("is not the manifest's") });
    expect(problems).toContainEqual({ leafIndex: null, what: expect.stringContaining("is not the one the console recorded") });
  });
});
