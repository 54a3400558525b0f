import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { appendEntries, type NewEntry } from "./append-entries";
import { createLogPublisher } from "./log-service";
import { inProcessWitness, type WitnessClient } from "./witnesses";
import { consistencyProofBetween, inclusionProofAt } from "./proofs";
import { auditLedger } from "./audit";
import { serveLogResource, latestCheckpointNote } from "./serve-log";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { generateNoteKey, SIG_TYPE_ED25519 } from "../ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../ledger/cosignature";
import { encodeEntry } from "../ledger/entries";
import { leafHash, rootFromLeafHashes } from "../ledger/merkle";
import { verifyConsistency, verifyInclusion } from "../ledger/verify";
import type { Sql } from "../db/sql";
import { decodeEntryBundle } from "../ledger/entry-bundle";
import { fromHex } from "../ledger/encoding";
import { nodeSha256 } from "./node-hasher";
import { ledgerCatchUp } from "./catch-up-progress";

const targets = await testTargets();
const ORIGIN = "test.city-brain.example/ledger";

function creditEntries(n: number, start: number): NewEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: "credit.v1",
    bytes: encodeEntry({ kind: "credit.v1", reporter: `r${start + i}`, report: `rep-${start + i}`, amount: 1 + ((start + i) % 5), at: new Date(1_790_000_000_000 + (start + i) * 1000).toISOString(), reason: "confirmed" }),
    refTable: "citizen_credit",
    refId: String(start + i),
  }));
}

/** Appends n credit entries from leaf `start` and their citizen_credit rows, as the console does (the audit matches them). */
async function appendCredits(sql: Sql, n: number, start: number): Promise<NewEntry[]> {
  const batch = creditEntries(n, start);
  await sql.transaction(async (tx) => {
    await appendEntries(tx, batch);
    await tx.query(
      `INSERT INTO citizen_credit (id, reporter, report_id, amount, reason, at, leaf_index)
       SELECT i::text, 'r' || i, 'rep-' || i, 1 + i % 5, 'confirmed', to_timestamp(1790000000 + i), i FROM generate_series($1::int8, $2::int8) AS i`,
      [start, start + n - 1],
    );
  });
  return batch;
}

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("city log on %s", (_n, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let keys: { log: { signerKey: string; verifierKey: string }; witnesses: { signerKey: string; verifierKey: string }[] };
  let witnesses: WitnessClient[];
  const all: Uint8Array[] = [];

  beforeAll(async () => {
    db = await target.open();
    const ed = webCryptoEd25519();
    keys = {
      log: await generateNoteKey(ed, ORIGIN, SIG_TYPE_ED25519),
      witnesses: await Promise.all(["a", "b", "c"].map((d) => generateNoteKey(ed, `test/witness/${d}`, SIG_TYPE_COSIGNATURE_V1))),
    };
    witnesses = await Promise.all(
      keys.witnesses.map((k, i) =>
        inProcessWitness({ sql: db.sql, department: ["a", "b", "c"][i], signerKey: k.signerKey, verifierKey: k.verifierKey, log: { origin: ORIGIN, verifierKey: keys.log.verifierKey } }),
      ),
    );
  });
  afterAll(async () => db?.drop());

  it("integrates sequenced entries into checkpoints every witness cosigns, across rounds", async () => {
    const publisher = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: keys.log.signerKey, witnesses, intervalMs: 1000 });
    for (const n of [1, 255, 2, 600, 70_000 - 858]) {
      const batch = await appendCredits(db.sql, n, all.length);
      batch.forEach((e) => all.push(leafHash(nodeSha256, e.bytes)));
      expect(await publisher.round()).toBe(all.length);
    }
    const cp = await latestCheckpointNote(db.sql);
    expect(cp?.size).toBe(70_000);
    expect(cp?.cosignatures).toBe(3);
    const [{ root }] = await db.sql.query<{ root: string }>(`SELECT encode(root_hash,'hex') AS root FROM checkpoint WHERE size = 70000`);
    expect(root).toBe(Buffer.from(rootFromLeafHashes(nodeSha256, all)).toString("hex"));
  });

  it("serves inclusion and consistency proofs from tiles that verify against the checkpoints", async () => {
    const roots = new Map<number, Uint8Array>();
    for (const r of await db.sql.query<{ size: number; root: string }>(`SELECT size, encode(root_hash,'hex') AS root FROM checkpoint`)) {
      roots.set(Number(r.size), fromHex(r.root));
    }
    for (const size of roots.keys()) {
      for (const index of [0, size - 1, Math.floor(size / 3)]) {
        const proof = await inclusionProofAt(db.sql, index, size);
        expect(() => verifyInclusion(nodeSha256, index, size, all[index], proof, roots.get(size)!)).not.toThrow();
      }
    }
    const sizes = [...roots.keys()].sort((a, b) => a - b);
    for (let i = 0; i < sizes.length; i++)
      for (let j = i; j < sizes.length; j++) {
        const p = await consistencyProofBetween(db.sql, sizes[i], sizes[j]);
        expect(() => verifyConsistency(nodeSha256, sizes[i], sizes[j], p, roots.get(sizes[i])!, roots.get(sizes[j])!)).not.toThrow();
      }
  });

  it("serves tlog-tiles: full tiles, partial tiles and entry bundles", async () => {
    const full = await serveLogResource(db.sql, "tile/0/000");
    expect(full.immutable).toBe(true);
    expect(Buffer.from(full.body as Uint8Array).equals(Buffer.concat(all.slice(0, 256)))).toBe(true);
    const partialIndex = Math.floor(70_000 / 256);
    const w = 70_000 - partialIndex * 256;
    const partial = await serveLogResource(db.sql, `tile/0/${String(partialIndex).padStart(3, "0")}.p/${w}`);
    expect(partial.immutable).toBe(false);
    expect((partial.body as Uint8Array).length).toBe(w * 32);
    const bundle = await serveLogResource(db.sql, "tile/entries/001");
    const entries = decodeEntryBundle(bundle.body as Uint8Array);
    expect(entries.map((e) => Buffer.from(leafHash(nodeSha256, e)).toString("hex"))).toEqual(
      all.slice(256, 512).map((h) => Buffer.from(h).toString("hex")),
    );
    await expect(serveLogResource(db.sql, "tile/0/999")).rejects.toThrow(/not found/);
    await expect(serveLogResource(db.sql, "tile/zz")).rejects.toThrow(/no such log resource/);
    const cp = await serveLogResource(db.sql, "checkpoint");
    expect(String(cp.body)).toMatch(new RegExp(`^${ORIGIN.replace(/\./g, "\\.")}\\n70000\\n`));
  });

  it("a witness refuses a forked checkpoint with 409 and keeps its state", async () => {
    const ed = webCryptoEd25519();
    const { formatCheckpoint } = await import("../ledger/checkpoint");
    const { ed25519NoteSigner, signNote } = await import("../ledger/note");
    const { formatAddCheckpointBody } = await import("../ledger/witness");
    const signer = await ed25519NoteSigner(ed, keys.log.signerKey);
    const forged = await signNote(formatCheckpoint({ origin: ORIGIN, size: 70_000, root: new Uint8Array(32).fill(9), extensions: [] }), [signer]);
    const res = await witnesses[0].addCheckpoint(formatAddCheckpointBody(70_000, [], forged));
    expect(res.status).toBe(409);
    const stale = await witnesses[0].addCheckpoint(formatAddCheckpointBody(5, [], forged));
    expect(stale.status).toBe(409);
    expect(stale.body.trim()).toBe("70000");
  });

  it("the audit passes on the untouched log and names a tampered leaf and checkpoint", async () => {
    const opts = { logVerifierKey: keys.log.verifierKey, witnessVerifierKeys: keys.witnesses.map((k) => k.verifierKey), quorum: 2 };
    const clean = await auditLedger(db.sql, opts);
    expect(clean.discrepancies).toEqual([]);
    expect(clean.leaves).toBe(70_000);
    // Tamper as a superuser would: bypass the append-only triggers.
    await db.sql.exec(`ALTER TABLE ledger_leaf DISABLE TRIGGER ledger_leaf_append_only; ALTER TABLE checkpoint DISABLE TRIGGER checkpoint_append_only;`);
    await db.sql.query(`UPDATE ledger_leaf SET entry = convert_to(replace(convert_from(entry, 'UTF8'), '"r1234"', '"r9999"'), 'UTF8') WHERE leaf_index = 1234`);
    await db.sql.query(`UPDATE checkpoint SET root_hash = decode(repeat('00', 32), 'hex') WHERE size = 256`);
    await db.sql.exec(`ALTER TABLE ledger_leaf ENABLE TRIGGER ledger_leaf_append_only; ALTER TABLE checkpoint ENABLE TRIGGER checkpoint_append_only;`);
    const bad = await auditLedger(db.sql, opts);
    expect(bad.ok).toBe(false);
    expect(bad.discrepancies).toContainEqual(expect.objectContaining({ table: "ledger_leaf", id: "1234", leafIndex: 1234 }));
    expect(bad.discrepancies).toContainEqual(expect.objectContaining({ table: "checkpoint", id: "256" }));
  });

  it("a cosignature a witness gave but the console never stored (stopped in between) is fetched again on restart", async () => {
    // The witness has recorded the newest checkpoint; its cosignature of it is gone, as after a
    // kill -9 between the witness's answer and the console's INSERT. A new publisher (the
    // restart) is told the witness's size by a 409 and asks for that checkpoint's cosignature again.
    const w = witnesses[1].name;
    const size = all.length;
    await db.sql.exec(`ALTER TABLE cosignature DISABLE TRIGGER cosignature_append_only`);
    await db.sql.query(`DELETE FROM cosignature WHERE checkpoint_size = $1 AND witness = $2`, [size, w]);
    await db.sql.exec(`ALTER TABLE cosignature ENABLE TRIGGER cosignature_append_only`);
    const publisher = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: keys.log.signerKey, witnesses, intervalMs: 1000 });
    const batch = await appendCredits(db.sql, 3, all.length);
    batch.forEach((e) => all.push(leafHash(nodeSha256, e.bytes)));
    expect(await publisher.round()).toBe(size + 3);
    const rows = await db.sql.query<{ checkpoint_size: number }>(`SELECT checkpoint_size FROM cosignature WHERE witness = $1 AND checkpoint_size >= $2 ORDER BY 1`, [w, size]);
    expect(rows.map((r) => Number(r.checkpoint_size))).toEqual([size, size + 3]);
  });

  // The log's contract: one round integrates everything sequenced when it began. A backlog
  // longer than a step (after a start) is integrated in that one round, in steps that each
  // commit the tree and a checkpoint of it, with the event loop served between them.
  it("a round integrates a backlog longer than a step in steps, each with a correct checkpoint, serving the event loop between them", async () => {
    const before = all.length;
    const batch = await appendCredits(db.sql, 5_500, before);
    batch.forEach((e) => all.push(leafHash(nodeSha256, e.bytes)));
    const lines: string[] = [];
    const publisher = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: keys.log.signerKey, witnesses, intervalMs: 1000, stepLeaves: 1000, log: (m) => lines.push(m) });
    const seen: { integrated: number; of: number }[] = [];
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
      const p = ledgerCatchUp();
      if (p.state === "integrating") seen.push({ integrated: p.integrated, of: p.of });
    }, 1);
    try {
      expect(await publisher.round()).toBe(all.length);
    } finally {
      clearInterval(timer);
    }
    // Timers ran while the round was under way, and saw its progress; it ends idle.
    expect(ticks).toBeGreaterThan(3);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.of === 5_500 && p.integrated > 0 && p.integrated <= 5_500)).toBe(true);
    expect(ledgerCatchUp().state).toBe("idle");
    expect(lines.some((l) => /integrating a backlog of 5,500 leaves in steps of at most 1,000/.test(l))).toBe(true);
    // One checkpoint a step, each the root of the leaves up to its size; witnesses cosigned the last.
    const cps = await db.sql.query<{ size: number; root: string }>(`SELECT size, encode(root_hash,'hex') AS root FROM checkpoint WHERE size > $1 ORDER BY size`, [before]);
    expect(cps.map((c) => Number(c.size))).toEqual([1, 2, 3, 4, 5, 5.5].map((k) => before + k * 1000));
    for (const c of cps) expect(c.root).toBe(Buffer.from(rootFromLeafHashes(nodeSha256, all.slice(0, Number(c.size)))).toString("hex"));
    const cp = await latestCheckpointNote(db.sql);
    expect(cp?.size).toBe(all.length);
    expect(cp?.cosignatures).toBe(3);
    const proof = await consistencyProofBetween(db.sql, before, all.length);
    expect(() => verifyConsistency(nodeSha256, before, all.length, proof, rootFromLeafHashes(nodeSha256, all.slice(0, before)), fromHex(cps[cps.length - 1].root))).not.toThrow();
  });

  it("a round told to stop between steps (its role lost) keeps what it committed, and the next round goes on from there", async () => {
    const before = all.length;
    const batch = await appendCredits(db.sql, 2_500, before);
    batch.forEach((e) => all.push(leafHash(nodeSha256, e.bytes)));
    const stopped = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: keys.log.signerKey, witnesses, intervalMs: 1000, stepLeaves: 1000, keepGoing: () => false });
    expect(await stopped.round()).toBe(before + 1000);
    const [{ size }] = await db.sql.query<{ size: number }>(`SELECT integrated_size AS size FROM ledger_state`);
    expect(Number(size)).toBe(before + 1000);
    const publisher = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: keys.log.signerKey, witnesses, intervalMs: 1000, stepLeaves: 1000 });
    expect(await publisher.round()).toBe(all.length);
    const [{ root }] = await db.sql.query<{ root: string }>(`SELECT encode(root_hash,'hex') AS root FROM checkpoint WHERE size = $1`, [all.length]);
    expect(root).toBe(Buffer.from(rootFromLeafHashes(nodeSha256, all)).toString("hex"));
    const cps = await db.sql.query<{ size: number }>(`SELECT size FROM checkpoint WHERE size > $1 ORDER BY size`, [before]);
    expect(cps.map((c) => Number(c.size))).toEqual([before + 1000, before + 2000, before + 2500]);
  });

  it("a backlog's steps are sized by their time: a step slower than stepMs makes the next one smaller, down to 2,000 leaves", async () => {
    const before = all.length;
    const batch = await appendCredits(db.sql, 7_000, before);
    batch.forEach((e) => all.push(leafHash(nodeSha256, e.bytes)));
    const publisher = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: keys.log.signerKey, witnesses, intervalMs: 1000, stepLeaves: 6000, stepMs: 0.001 });
    expect(await publisher.round()).toBe(all.length);
    const cps = await db.sql.query<{ size: number; root: string }>(`SELECT size, encode(root_hash,'hex') AS root FROM checkpoint WHERE size > $1 ORDER BY size`, [before]);
    // The first step of a backlog is 5,000 leaves; every later one took longer than 1 µs.
    expect(cps.map((c) => Number(c.size))).toEqual([before + 5000, before + 7000]);
    for (const c of cps) expect(c.root).toBe(Buffer.from(rootFromLeafHashes(nodeSha256, all.slice(0, Number(c.size)))).toString("hex"));
  });
});
