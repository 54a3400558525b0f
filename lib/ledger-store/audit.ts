import crypto from "node:crypto";
import os from "node:os";
import type { Sql } from "../db/sql";
import { emptyRoot, nodeHash } from "../ledger/merkle";
import { bytesEqual, toBase64, toHex } from "../ledger/encoding";
import { decodeEntry, encodeEntry, type LedgerEntry } from "../ledger/entries";
import { commitmentEntry } from "../ledger/commitment";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { ed25519NoteVerifier } from "../ledger/note";
import { openCheckpoint } from "../ledger/checkpoint";
import { ed25519CosignatureVerifier } from "../ledger/cosignature";
import { nodeSha256 } from "./node-hasher";
import { envelopeJson, readingEntryJson, type Envelope, type ReadingValues } from "../ingest/reading-encoding";
import { createAuditPool } from "./audit-pool";
import { deviceKeyring, deviceSignatureProblem, packDeviceKeys, setDeviceKeys, type DeviceKeyRow } from "./device-keyring";
import type { LedgerRow, ReadingRow } from "./copy-binary";
import { isoFromMs } from "./reading-row-bytes";
import type { RangeResult } from "./verify-range";
import { auditState, type Discrepancy, type StateEntry } from "./audit-state";
import { auditGatewayBatches, checkCosignatures, checkKept, checkLeafTiles, checkRecorded, checkUpperTiles, readRecorded, type KeptCheckpoint } from "./audit-checks";

export type { Discrepancy } from "./audit-state";
export type AuditReport = {
  ok: boolean;
  leaves: number;
  readings: number;
  checkpoints: number;
  cosignatures: number;
  belowQuorum: number;
  discrepancyCount: number;
  discrepancies: Discrepancy[];
  seconds: number;
  /** Worker threads that checked the rows (0: all on the calling thread). */
  threads: number;
  /**
   * Checkpoints older than the newest that no witness cosigned (a console stopped between
   * signing and cosigning leaves them; so would deleting all their cosignatures).
   */
  unwitnessed: number[];
  /** Entries of kinds no table stands for (none now: every kind has its check in audit-state.ts), checked as leaves only. */
  withoutTable: Record<string, number>;
  /**
   * Seconds this thread spent in the checks around the leaves (wall time, awaited in order
   * while the workers go on with the leaves): each checkpoint's signature and cosignatures,
   * hash tiles, the entry-state fold against its tables, gateway batches, and what the
   * sequencer and witnesses recorded (rollback). bench:ledger prints them beside the total.
   */
  phases: { checkpoints: number; tiles: number; state: number; gateways: number; recorded: number };
};
export type AuditOptions = {
  logVerifierKey: string;
  witnessVerifierKeys: string[];
  quorum: number;
  chunk?: number;
  onProgress?: (done: number, total: number) => void;
  /** Stop collecting after this many discrepancies (the count keeps going). */
  maxReported?: number;
  /** Worker threads for the row checks (default: one per core, one fewer with PGlite, none for a ledger of one range; 0 checks on this thread). */
  threads?: number;
  /** A checkpoint the auditor kept (openKeptCheckpoint): the stored log must be a consistent extension of it. */
  since?: KeptCheckpoint;
  /** Where in-process witnesses keep their state files (DATA_DIR/witnesses), read beside witness_state. */
  witnessStateDir?: string;
};

// The audit reads each leaf-index range as two binary COPY outputs, ledger rows and reading
// rows, unsorted (two range scans instead of a join and no sort: cheaper for the database,
// and a server runs both at once; the checks slot rows by leaf index). Binary, so that bytes
// travel raw and the database encodes nothing; it computes nothing either: the workers match
// every stored entry byte for byte against the entry its reading row makes, hash it
// themselves and compare the stored leaf hash with theirs. Column order: copy-binary.ts.
// (ref_id, which only names a row, is fetched for the few leaves that need it.) The ledger rows
// are every leaf's, ledger_leaf's and those folded into reading rows (the view ledger_leaf_all).
// The payload, stored as json text (20261207040000_reading_payload_json), is read as jsonb: the
// database gives jsonb's normalized text, which the fast writer (reading-row-bytes.ts) reads.
const ledgerSelect = (from: number, to: number) => `SELECT leaf_index, kind, entry, leaf_hash FROM ledger_leaf_all WHERE leaf_index >= ${from} AND leaf_index < ${to}`;
// A leaf stored nowhere (a reading row deleted takes its folded leaf with it) inside the log:
// its hash from the tree's level-0 tile, kind "" (checkLeaf names it), so that the tree and
// every leaf after it are still checked. Read only for a range with such a hole.
const MISSING_KIND = "";
const tileFilledSelect = (from: number, to: number) =>
  `${ledgerSelect(from, to)}
   UNION ALL
   SELECT i, '${MISSING_KIND}', NULL::bytea, substring(t.hashes from (32 * (i - 256 * t.index))::int + 1 for 32)
     FROM generate_series(${from}::int8, ${to - 1}::int8) AS i JOIN ledger_tile t ON t.level = 0 AND t.index = i / 256 AND t.width > i - 256 * t.index
    WHERE NOT EXISTS (SELECT 1 FROM ledger_leaf_all l WHERE l.leaf_index = i)`;
// A sealed reading's salt is the row's last field (seal_salt, 20261207060000_reading_seal_salt).
const readingSelect = (from: number, to: number) =>
  `SELECT r.leaf_index, r.leaf_index AS id, r.dataset_id, r.device_id, r.seq, r.observed_at, r.lon, r.lat, r.payload::jsonb, r.payload_hash, r.signature,
          g.gateway_device_id, g.batch_root, g.signature, r.seal_salt
     FROM reading r LEFT JOIN gateway_batch g ON g.id = r.gateway_batch_id
    WHERE r.leaf_index >= ${from} AND r.leaf_index < ${to}`;
// The device key history, every key a device has had (see device-keyring.ts for which of them may
// have signed a reading at a given leaf).
type KeyRow = { device_id: string; valid_from_leaf: number; valid_until_leaf: number | null; retired_by: string | null; public_key: Uint8Array };
const keySelect = `SELECT device_id, valid_from_leaf, valid_until_leaf, retired_by, public_key FROM device_key`;
const keyRow = (k: KeyRow): DeviceKeyRow => ({
  device: k.device_id,
  fromLeaf: Number(k.valid_from_leaf),
  untilLeaf: k.valid_until_leaf === null ? null : Number(k.valid_until_leaf),
  retiredBy: k.retired_by,
  publicKey: u8(k.public_key),
});
const hex = (b: Uint8Array | null) => (b ? toHex(b) : "");
const b64 = (b: Uint8Array | null) => (b ? toBase64(b) : "");

const u8 = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const leafHashOf = (entry: Uint8Array) => u8(crypto.hash("sha256", Buffer.concat([Buffer.from([0]), entry]), "buffer"));

function diffFields(a: Record<string, unknown>, b: Record<string, unknown>): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).join(", ") || "bytes";
}

/** Root of the perfect subtrees `hashes` (left to right) of a tree: RFC 9162's fold from the right. */
function foldRoot(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return emptyRoot(nodeSha256);
  let h = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i--) h = nodeHash(nodeSha256, hashes[i], h);
  return h;
}

/** A reading row's observedAt as toISOString writes it ("" when it is not a valid time). */
function rowObservedAt(row: ReadingRow): string {
  try {
    return isoFromMs(row.observedMs ?? Number.NaN);
  } catch {
    return "";
  }
}

/** The envelope a reading row makes (what its device signed; values null when the payload is not JSON). */
function rowEnvelope(row: ReadingRow): Omit<Envelope, "values"> & { values: ReadingValues | null } {
  let values: ReadingValues | null;
  try {
    values = JSON.parse(row.payload ?? "null") as ReadingValues;
  } catch {
    values = null;
  }
  return {
    device: row.device ?? "",
    dataset: row.dataset ?? "",
    seq: row.seq ?? Number.NaN,
    observedAt: rowObservedAt(row),
    location: [row.lon ?? Number.NaN, row.lat ?? Number.NaN],
    values,
  };
}

/** The canonical bytes of the envelope a reading row makes, or null when it cannot be written (RFC 8785 refuses it). */
function rowSignedBytes(row: ReadingRow): Buffer | null {
  const e = rowEnvelope(row);
  if (e.values === null) return null;
  try {
    return Buffer.from(envelopeJson({ ...e, values: e.values }), "utf8");
  } catch {
    return null;
  }
}

/**
 * A reading row's payload hash: the stored one (rows stored before migration 20261207050000),
 * else SHA-256 of the envelope the row makes; null when the row makes none.
 */
function rowPayloadHash(row: ReadingRow): Uint8Array | null {
  if (row.payloadHash) return row.payloadHash;
  const signed = rowSignedBytes(row);
  return signed === null ? null : u8(crypto.hash("sha256", signed, "buffer"));
}

/**
 * The reading.v1 entry a reading row makes, as readingEntry() writes it (hex hash, base64
 * signatures), in its canonical RFC 8785 form (reading-encoding.test.ts checks that against
 * the generic canonicaliser); null when the row cannot be written as one.
 */
function rowEntryJson(row: ReadingRow): string | null {
  try {
    return readingEntryJson({
      kind: "reading.v1",
      dataset: row.dataset ?? "",
      device: row.device ?? "",
      seq: row.seq ?? Number.NaN,
      observedAt: rowObservedAt(row),
      payloadHash: hex(rowPayloadHash(row)),
      signature: b64(row.signature),
      ...(row.gatewayDevice ? { gateway: { device: row.gatewayDevice, batchRoot: hex(row.gatewayBatchRoot), signature: b64(row.gatewaySignature) } } : {}),
    });
  } catch {
    return null;
  }
}
const rowEntryBytes = (row: ReadingRow): Uint8Array | null => {
  const text = rowEntryJson(row);
  return text === null ? null : new Uint8Array(Buffer.from(text, "utf8"));
};

const split32 = (b: Uint8Array) => Array.from({ length: b.length / 32 }, (_, i) => b.subarray(32 * i, 32 * i + 32));

/**
 * Recomputes every leaf from the stored domain rows and every checkpoint root from the
 * leaves, verifies every reading's device signature (Ed25519 over its canonical envelope,
 * under a key the device held: verify-range.ts), and checks every checkpoint's log signature
 * and cosignatures. It trusts nothing in the database: not the triggers, not the stored
 * leaf hashes, not the stored tree, not that intake verified what it stored.
 * Discrepancies name the table, the row and the leaf index.
 */
export async function auditLedger(sql: Sql, opts: AuditOptions): Promise<AuditReport> {
  const t0 = performance.now();
  const phases: AuditReport["phases"] = { checkpoints: 0, tiles: 0, state: 0, gateways: 0, recorded: 0 };
  const timed = async <T>(phase: keyof typeof phases, f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await f();
    } finally {
      phases[phase] += (performance.now() - t) / 1000;
    }
  };
  const discrepancies: Discrepancy[] = [];
  let count = 0;
  const report = (d: Discrepancy) => {
    count++;
    if (discrepancies.length < (opts.maxReported ?? 1000)) discrepancies.push(d);
  };
  // What the sequencer and the witnesses recorded, read first: the log may only have grown since.
  const recorded = await timed("recorded", () => readRecorded(sql, opts.witnessStateDir));
  const ed = webCryptoEd25519();
  const logVerifier = await ed25519NoteVerifier(ed, opts.logVerifierKey);
  const witnessVerifiers = await Promise.all(opts.witnessVerifierKeys.map((k) => ed25519CosignatureVerifier(ed, k)));

  const [{ n: total }] = await sql.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ledger_leaf_all`);
  const archivedRanges = (await sql.query<{ a: number; b: number }>(`SELECT first_leaf AS a, last_leaf AS b FROM reading_archive WHERE first_leaf IS NOT NULL`)).map((r) => [Number(r.a), Number(r.b)]);
  const checkpoints = await sql.query<{ size: number; root_hash: Uint8Array; note: string }>(
    `SELECT size, root_hash, note FROM checkpoint ORDER BY size`,
  );
  const isArchived = (index: number) => archivedRanges.some(([a, b]) => index >= a && index <= b);
  const cosigs = await sql.query<{ checkpoint_size: number; witness: string; line: string }>(
    `SELECT checkpoint_size, witness, line FROM cosignature ORDER BY checkpoint_size`,
  );
  const cosigBySize = new Map<number, { witness: string; line: string }[]>();
  for (const c of cosigs) {
    const k = Number(c.checkpoint_size);
    cosigBySize.set(k, [...(cosigBySize.get(k) ?? []), c]);
  }
  const cpSizes = checkpoints.map((c) => Number(c.size));
  // Non-reading entries in log order, folded and compared with their tables at the end.
  const stateEntries: StateEntry[] = [];
  let keptRoot: Uint8Array | null = null;
  const keptSize = opts.since?.size ?? -1;
  if (keptSize === 0) keptRoot = foldRoot([]);
  // Leaf hashes not yet compared with level-0 tiles (from tile `tileNext` on), and the
  // height-8 subtree roots for the tiles above.
  let tileNext = 0;
  let pendingHashes: Uint8Array[] = [];
  const nodes8: Uint8Array[] = [];

  // The tree so far: the perfect subtrees of [0, treeSize), left to right.
  let tree: Uint8Array[] = [];
  let treeSize = 0;
  let cpIdx = 0;
  let readings = 0;
  let expected = 0;

  const checkCheckpoint = (cp: (typeof checkpoints)[number], root: Uint8Array) => timed("checkpoints", () => checkCheckpointNow(cp, root));
  const checkCheckpointNow = async (cp: (typeof checkpoints)[number], root: Uint8Array) => {
    const cpSize = Number(cp.size);
    if (!bytesEqual(root, u8(cp.root_hash))) {
      report({ table: "checkpoint", id: String(cpSize), leafIndex: cpSize - 1, what: `root ${toHex(u8(cp.root_hash))} differs from the root recomputed from the leaves ${toHex(root)}` });
    }
    try {
      const opened = await openCheckpoint(cp.note, [logVerifier]);
      if (opened.checkpoint.size !== cpSize || !bytesEqual(opened.checkpoint.root, root)) {
        report({ table: "checkpoint", id: String(cpSize), leafIndex: null, what: `signed note says size ${opened.checkpoint.size} root ${toHex(opened.checkpoint.root)}, recomputed root ${toHex(root)}` });
      }
      const rows = cosigBySize.get(cpSize) ?? [];
      await checkCosignatures(cpSize, opened.text, rows, witnessVerifiers, report);
    } catch (e) {
      report({ table: "checkpoint", id: String(cpSize), leafIndex: null, what: `signed note does not verify: ${(e as Error).message}` });
    }
  };

  // The full check of one leaf, for the rows the fast path (verify-range.ts) did not pass:
  // it names what differs.
  const checkLeaf = async (index: number, l: LedgerRow, row: ReadingRow | null) => {
    if (l.kind === MISSING_KIND) {
      report({ table: "ledger_leaf", id: String(index), leafIndex: index, what: `leaf ${index} is missing: no ledger_leaf row and no reading row holds it (a reading row deleted takes its leaf with it); the tree is checked on with its hash from the level-0 tile` });
      return;
    }
    // A sealed reading's leaf folded into its row (sealed_leaf_hash, 20261207030000): its
    // commitment entry is rebuilt from its salt (the row's seal_salt) and the row (finish()).
    if (l.entry === null && l.kind === "commitment.v1" && row !== null) {
      foldedSealed.set(index, { row, leafHash: l.leafHash });
      return;
    }
    // Any other leaf's reading row holds no salt: its opening, if any, is not the row's.
    if (row !== null && row.sealSalt !== null) {
      report({ table: "reading", id: row.id, leafIndex: index, field: "seal_salt", what: "a salt is stored in a reading row whose leaf is not a sealed reading's commitment folded into the row" });
    }
    // A reading's leaf stores no entry (since 20261206010000_reading_storage): its entry is the
    // one its reading row makes, and that entry's hash must be the stored leaf hash.
    // (Told by the NULL entry and the row, not by the kind column, which is checked against the entry.)
    const derived = l.entry === null && (row !== null || l.kind === "reading.v1");
    if (derived && row === null) {
      // A reading archived with its day (READING_RETENTION_DAYS): its leaf hash stays in the
      // tree; the archive file is checked against it (ledger:audit --archive FILE).
      if (isArchived(index)) return;
      report({ table: "reading", id: String(index), leafIndex: index, what: "the reading of this leaf is missing" });
      return;
    }
    const entry = l.entry ?? (derived ? rowEntryBytes(row!) : null) ?? new Uint8Array(0);
    if (l.entry === null && !derived) report({ table: "ledger_leaf", id: String(index), leafIndex: index, what: "entry is missing (NULL)" });
    const leaf = crypto.hash("sha256", Buffer.concat([Buffer.from([0]), entry]), "buffer");
    if (!l.leafHash || !bytesEqual(u8(leaf), l.leafHash)) {
      // A reading's leaf hash is a column of its row when its leaf is folded into it.
      const table = derived && row !== null && l.kind === "reading.v1" ? "reading" : "ledger_leaf";
      report({ table, id: String(index), leafIndex: index, field: "leaf_hash", what: derived ? "stored leaf hash differs from SHA-256 of the entry its reading row makes (the row or the leaf hash changed)" : `stored leaf hash differs from SHA-256 of the stored entry` });
    }
    // What the entry is comes from the entry itself, not from the kind column (which must say the same).
    let entryKind: string | null = null;
    let decoded: LedgerEntry | null = null;
    try {
      decoded = decodeEntry(entry);
      entryKind = decoded.kind;
      if (entryKind !== "reading.v1") stateEntries.push({ index, entry: decoded });
      // A commitment may stand for this reading row: checked once auditState has opened it.
      if (entryKind === "commitment.v1" && row !== null) sealedRows.set(index, row);
    } catch (e) {
      report({ table: "ledger_leaf", id: String(index), leafIndex: index, what: `entry is not a valid ledger entry: ${(e as Error).message}` });
    }
    if (entryKind !== null && l.kind !== entryKind) {
      report({ table: "ledger_leaf", id: String(index), leafIndex: index, what: `kind column says ${JSON.stringify(l.kind)}, the entry is ${JSON.stringify(entryKind)}` });
    }
    if (entryKind === "commitment.v1") return;
    if (entryKind !== "reading.v1" && (entryKind !== null || l.kind !== "reading.v1")) {
      if (row !== null) report({ table: "reading", id: row.id, leafIndex: index, what: `reading points at a leaf whose entry is not a reading (${entryKind ?? "not a valid entry"})` });
      return;
    }
    await checkReadingRow(index, entry, row);
  };

  // Reading rows of commitment leaves, checked against the opened reading.v1 entry.
  const sealedRows = new Map<number, ReadingRow>();
  // Sealed readings whose leaf is folded into their row: the row and its stored leaf hash.
  const foldedSealed = new Map<number, { row: ReadingRow; leafHash: Uint8Array | null }>();
  // Each such leaf's commitment entry, rebuilt from its salt (the row's seal_salt, since
  // 20261207060000_reading_seal_salt) and the reading.v1 entry its row makes, must hash to the
  // leaf hash the row holds; the row is then checked as any sealed reading's (payload hash,
  // device signature). A hash that differs is named by what it differs in: when the stored leaf
  // hash is the one the tree's level-0 tile holds (the leaf as sequenced), the salt or the row
  // changed since it was sealed (the row's own checks name a row that changed in what its device
  // signed); else the stored hash is named.
  const checkFoldedSealed = async () => {
    const mismatched: { index: number; row: ReadingRow; leafHash: Uint8Array | null }[] = [];
    for (const [index, { row, leafHash }] of foldedSealed) {
      const salt = row.sealSalt;
      if (!salt) {
        report({ table: "reading", id: row.id, leafIndex: index, field: "seal_salt", what: "the salt (seal_salt) of this sealed reading, the opening of its commitment leaf, is missing" });
        continue;
      }
      const inner = rowEntryBytes(row);
      let leaf: Uint8Array | null = null;
      try {
        if (inner) leaf = leafHashOf(encodeEntry(commitmentEntry(nodeSha256, salt, inner)));
      } catch {
        leaf = null;
      }
      if (leaf === null || !leafHash || !bytesEqual(leaf, leafHash)) mismatched.push({ index, row, leafHash });
      if (inner) await checkSealedReading(index, inner, row);
    }
    const sequenced = mismatched.length
      ? new Map(
          (
            await sql.query<{ i: number; h: Uint8Array }>(
              `SELECT i, substring(t.hashes from (32 * (i - 256 * t.index))::int + 1 for 32) AS h
                 FROM unnest($1::int8[]) AS i JOIN ledger_tile t ON t.level = 0 AND t.index = i / 256 AND t.width > i - 256 * t.index`,
              [mismatched.map((m) => m.index)],
            )
          ).map((r) => [Number(r.i), u8(r.h)]),
        )
      : new Map<number, Uint8Array>();
    for (const { index, row, leafHash } of mismatched) {
      const tile = sequenced.get(index);
      if (tile && leafHash && bytesEqual(tile, leafHash)) {
        report({ table: "reading", id: row.id, leafIndex: index, field: "seal_salt, reading row", what: "the commitment entry its salt (seal_salt) and reading row make does not hash to its leaf hash, which the tree holds: the salt or the row changed since the reading was sealed" });
      } else {
        report({ table: "reading", id: row.id, leafIndex: index, field: "sealed_leaf_hash", what: "stored leaf hash differs from SHA-256 of the commitment entry its salt (seal_salt) and reading row make (the row, the salt or the leaf hash changed)" });
      }
    }
  };
  const rebuildInner = (index: number) => {
    const row = sealedRows.get(index);
    return row ? rowEntryBytes(row) : null;
  };
  const checkSealedReading = async (index: number, inner: Uint8Array, folded?: ReadingRow) => {
    readings++;
    const row = folded ?? sealedRows.get(index) ?? null;
    sealedRows.delete(index);
    await checkReadingRow(index, inner, row);
  };

  // A reading row against the reading.v1 entry of its leaf (the stored entry, or the entry a
  // commitment opens to): payload hash, then the entry rebuilt from the row, byte for byte.
  const checkReadingRow = async (index: number, entry: Uint8Array, row: ReadingRow | null) => {
    if (row === null) {
      const [ref] = await sql.query<{ ref_id: string | null }>(`SELECT ref_id FROM ledger_leaf WHERE leaf_index = $1 LIMIT 1`, [index]);
      report({ table: "reading", id: ref?.ref_id || "?", leafIndex: index, what: "the reading of this leaf is missing" });
      return;
    }
    const id = row.id;
    const envelope = rowEnvelope(row);
    if (envelope.values === null) {
      report({ table: "reading", id, leafIndex: index, what: "payload is not JSON" });
      return;
    }
    // The payload hash: stored (rows before migration 20261207050000), it must be SHA-256 of the
    // envelope the row makes; derived, it is that hash, and the entry rebuilt below holds it (so
    // a changed row shows in its leaf hash, and in the signature and its batch's hashes here).
    const signed = rowSignedBytes(row);
    const derivedHash = signed === null ? null : u8(crypto.hash("sha256", signed, "buffer"));
    const payloadOk = derivedHash !== null && (row.payloadHash === null || bytesEqual(derivedHash, row.payloadHash));
    if (!payloadOk) {
      report({
        table: "reading", id, leafIndex: index,
        what: row.payloadHash === null ? "payload, location, time or device cannot be written as a signed envelope" : "payload, location, time or device differ from what was signed (payload hash mismatch)",
      });
    } else {
      // The device's Ed25519 signature over those bytes (the envelope whose SHA-256 is the
      // payload hash; when that differs, the row is already named above), under a key the
      // device held. Keys added since the audit read them are read again before naming it.
      const viaGateway = row.gatewayDevice !== null;
      let problem = deviceSignatureProblem(ring, envelope.device, index, viaGateway, signed!, row.signature);
      if (problem !== null && !keysReread.has(envelope.device)) {
        keysReread.add(envelope.device);
        const rows = await sql.query<KeyRow>(`${keySelect} WHERE device_id = $1`, [envelope.device]);
        setDeviceKeys(ring, envelope.device, rows.map(keyRow));
        problem = deviceSignatureProblem(ring, envelope.device, index, viaGateway, signed!, row.signature);
      }
      // A row that stores no payload hash has only the signature to show its envelope changed.
      const changed = row.payloadHash === null && problem !== null && problem.includes("does not verify under any key");
      if (problem !== null) report({ table: "reading", id, leafIndex: index, field: "signature", what: changed ? `payload, location, time or device differ from what was signed, or the signature changed: ${problem}` : problem });
      // A gateway's reading: its payload hash must be one of its batch's hashes, at a hash
      // boundary (a reading whose batch row is missing is named by auditGatewayBatches).
      if (viaGateway) {
        const [batch] = await sql.query<{ id: number; payload_hashes: Uint8Array }>(
          `SELECT g.id, g.payload_hashes FROM reading r JOIN gateway_batch g ON g.id = r.gateway_batch_id WHERE r.leaf_index = $1`,
          [index],
        );
        if (batch && !split32(u8(batch.payload_hashes)).some((h) => h.length === 32 && bytesEqual(h, derivedHash!))) {
          report({ table: "reading", id, leafIndex: index, field: "gateway_batch_id", stored: String(batch.id), what: `the reading's payload hash is not in gateway batch ${batch.id}` });
        }
      }
    }
    // The reading.v1 entry the row makes; it must equal the stored entry byte for byte.
    const rebuilt = rowEntryJson(row);
    if (rebuilt === null || !Buffer.from(rebuilt, "utf8").equals(Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength))) {
      let what = "entry bytes differ from the reading row";
      try {
        const stored = decodeEntry(entry) as Record<string, unknown>;
        what = rebuilt === null ? "the reading row cannot be written as a reading.v1 entry" : `ledger entry differs from the reading row in: ${diffFields(stored, JSON.parse(rebuilt) as Record<string, unknown>)}`;
      } catch (e) {
        what = `ledger entry is not a valid reading.v1 entry: ${(e as Error).message}`;
      }
      report({ table: "reading", id, leafIndex: index, what });
    }
  };

  // Ranges of `chunk` leaves (a power of two, so that each range is a perfect subtree of the
  // whole tree) are fetched ahead and checked on worker threads, each returning its leaf
  // hashes, the hashes of its part of the tree at every checkpoint inside it, and the rows
  // it could not pass; this thread then walks the tree and the checkpoints in order.
  const chunk = 2 ** Math.max(0, Math.floor(Math.log2(Math.max(1, opts.chunk ?? 16_384))));
  const [{ end }] = await sql.query<{ end: number }>(`SELECT coalesce(max(leaf_index), -1)::int8 + 1 AS end FROM ledger_leaf_all`);
  // The device key history, read after `end`: a key is stored with the device.v1 entry that
  // puts it in, committed before any reading signed with it is sequenced. Every worker gets
  // it once; this thread keeps its own for the full checks.
  const keys = packDeviceKeys((await sql.query<KeyRow>(keySelect)).map(keyRow));
  const ring = deviceKeyring(keys);
  const keysReread = new Set<string>();
  // With PGlite this thread runs the database (its main cost, see README): one core fewer for workers.
  const cores = os.availableParallelism();
  // A ledger of one range at most is checked on this thread: a worker could not overlap
  // anything with it, and starting one (it loads TypeScript) costs more than the range.
  const threads = opts.threads ?? (Number(end) <= chunk ? 0 : sql.mode === "embedded" ? Math.max(1, cores - 1) : cores);
  const pool = createAuditPool({ threads, keys });
  const cutSizes = keptSize > 0 ? [...cpSizes, keptSize] : cpSizes;
  const cutsIn = (from: number) => cutSizes.filter((s) => s > from && s <= from + chunk);
  // The hashes of the gateway batches whose leaf ranges meet [from, to), packed for the workers
  // (verify-range.ts batchMembers): a member reading's payload hash, derived there from its row,
  // must be one of its batch's.
  const batchHashes = async (from: number, to: number): Promise<Uint8Array> => {
    const [{ packed }] = await sql.query<{ packed: Uint8Array }>(
      `SELECT coalesce(string_agg(batch_root || int4send(length(payload_hashes)) || payload_hashes, ''::bytea), ''::bytea) AS packed
         FROM gateway_batch WHERE first_leaf < $2 AND last_leaf >= $1`,
      [from, to],
    );
    return u8(packed);
  };
  const fetchRange = async (from: number): Promise<RangeResult> => {
    const to = from + chunk;
    const read = async (select: string) =>
      sql.mode === "server"
        ? await Promise.all([sql.copyOutBinary(select), sql.copyOutBinary(readingSelect(from, to))])
        : [await sql.copyOutBinary(select), await sql.copyOutBinary(readingSelect(from, to))];
    const [ledger, reading] = await read(ledgerSelect(from, to));
    const batches = await batchHashes(from, to);
    const res = await pool.run({ from, chunk, ledger, reading, cuts: cutsIn(from), batches });
    // A hole before the log's end: read again with the missing leaves' hashes from the tiles.
    if (res.n >= Math.min(chunk, Number(end) - from)) return res;
    const [filledLedger, filledReading] = await read(tileFilledSelect(from, to));
    return pool.run({ from, chunk, ledger: filledLedger, reading: filledReading, cuts: cutsIn(from), batches });
  };
  const depth = Math.max(2, pool.threads + (sql.mode === "server" ? 2 : 1));
  const queue: Promise<RangeResult>[] = [];
  let nextFrom = 0;
  const refill = () => {
    while (queue.length < depth && nextFrom < Number(end)) {
      const p = fetchRange(nextFrom);
      p.catch(() => {}); // awaited in order below; this only keeps an early failure from being unhandled
      queue.push(p);
      nextFrom += chunk;
    }
  };

  try {
    // Checkpoints of the empty tree.
    while (cpIdx < cpSizes.length && cpSizes[cpIdx] <= 0) await checkCheckpoint(checkpoints[cpIdx++], foldRoot([]));
    refill();
    while (queue.length) {
      const res = await queue.shift()!;
      refill();
      if (res.firstIndex === null) continue;
      if (expected !== res.from || res.n === 0) {
        report({ table: "ledger_leaf", id: String(expected), leafIndex: expected, what: `leaves ${expected}..${res.firstIndex - 1} are missing` });
        // The tree cannot be recomputed past a hole; stop here and report what was checked.
        return await finish();
      }
      for (const d of res.deferred) await checkLeaf(d.index, d.ledger, d.reading);
      for (const l of res.extraLeaves) {
        const idx = Number(l.index);
        if (idx < res.from + res.n) report({ table: "ledger_leaf", id: String(idx), leafIndex: idx, what: "a second ledger row has this leaf index" });
      }
      for (const r of res.extra) {
        const idx = Number(r.index);
        if (idx < res.from + res.n) report({ table: "reading", id: r.id, leafIndex: idx, what: "a second reading row points at this leaf" });
      }
      readings += res.readings;
      expected = res.from + res.n;
      const cuts = new Map(res.cuts.map((c) => [c.size, split32(c.hashes)]));
      if (keptSize > treeSize && keptSize <= expected) keptRoot = foldRoot([...tree, ...(cuts.get(keptSize) ?? [])]);
      // Hash tiles: level 0 against these leaf hashes, as soon as a tile's 256 leaves are in.
      pendingHashes.push(u8(res.hashes));
      if (res.nodes8.length) nodes8.push(u8(res.nodes8));
      const full = Math.floor(expected / 256) - tileNext;
      if (full > 0) {
        const all = Buffer.concat(pendingHashes);
        await timed("tiles", () => checkLeafTiles(sql, tileNext, full, all.subarray(0, 32 * 256 * full), recorded.integratedSize, report));
        pendingHashes = [all.subarray(32 * 256 * full)];
        tileNext += full;
      }
      while (cpIdx < cpSizes.length && cpSizes[cpIdx] <= expected) {
        const size = cpSizes[cpIdx];
        const part = size === treeSize ? [] : cuts.get(size);
        if (!part) throw new Error(`audit: no tree state for checkpoint ${size}`);
        await checkCheckpoint(checkpoints[cpIdx++], foldRoot([...tree, ...part]));
      }
      if (res.n === chunk) {
        // Append the range's perfect subtree, merging equal neighbours as a binary counter carries.
        let h = cuts.get(expected)![0];
        for (let s = treeSize / chunk; s % 2 === 1; s = (s - 1) / 2) h = nodeHash(nodeSha256, tree.pop()!, h);
        tree.push(h);
      } else {
        tree = [...tree, ...cuts.get(expected)!];
      }
      treeSize = expected;
      if (res.gapAt !== null) {
        report({ table: "ledger_leaf", id: String(expected), leafIndex: expected, what: `leaves ${expected}..${res.gapAt - 1} are missing` });
        return await finish();
      }
      opts.onProgress?.(expected, Number(total));
    }
    const orphans = await sql.query<{ id: number; leaf_index: number }>(
      `SELECT r.leaf_index AS id, r.leaf_index FROM reading r LEFT JOIN ledger_leaf l ON l.leaf_index = r.leaf_index WHERE r.leaf_hash IS NULL AND r.sealed_leaf_hash IS NULL AND l.leaf_index IS NULL LIMIT 100`,
    );
    for (const o of orphans) report({ table: "reading", id: String(o.id), leafIndex: Number(o.leaf_index), what: "reading points at a leaf that does not exist" });
    return await finish();
  } finally {
    await Promise.allSettled(queue);
    await pool.close();
  }

  async function finish(): Promise<AuditReport> {
    // Checkpoints past the leaves checked: beyond what is stored, or past a hole.
    for (; cpIdx < checkpoints.length; cpIdx++) {
      const s = cpSizes[cpIdx];
      report({ table: "checkpoint", id: String(s), leafIndex: null, what: `checkpoint size ${s} is beyond the ${treeSize} leaves checked` });
    }
    // The last (partial) level-0 tile, then the tiles above, from what the leaves gave.
    await timed("tiles", async () => {
      await checkLeafTiles(sql, tileNext, 1 << 30, Buffer.concat(pendingHashes), recorded.integratedSize, report);
      await checkUpperTiles(sql, chunk >= 256 ? Buffer.concat(nodes8) : new Uint8Array(0), report);
    });
    await timed("state", checkFoldedSealed);
    // The tables the other entry kinds stand for, and the gateway batches.
    const withoutTable = await timed("state", () => auditState(sql, stateEntries, report, checkSealedReading, rebuildInner, isArchived));
    // Reading rows whose commitment did not open to a reading.
    for (const [index, row] of sealedRows) report({ table: "reading", id: row.id, leafIndex: index, what: "reading points at a commitment leaf that does not open to a reading.v1 entry" });
    await timed("gateways", () => auditGatewayBatches(sql, report));
    // Rollback: what the sequencer and the witnesses recorded, and the auditor's kept checkpoint.
    const roots = new Map(checkpoints.map((c) => [Number(c.size), u8(c.root_hash)]));
    const origin = checkpoints.length ? checkpoints[0].note.split("\n")[0] : null;
    const unwitnessed = await timed("recorded", async () => {
      // Cosignatures read again: a witness records its state just before the console stores its cosignature.
      const cosignedBy = new Map<number, Set<string>>();
      for (const c of await sql.query<{ checkpoint_size: number; witness: string }>(`SELECT checkpoint_size, witness FROM cosignature`)) {
        const k = Number(c.checkpoint_size);
        cosignedBy.set(k, (cosignedBy.get(k) ?? new Set()).add(c.witness));
      }
      const older = checkRecorded(recorded, { leaves: expected, origin, checkpoints: roots, cosignedBy }, report);
      if (opts.since) {
        const newest = checkpoints.length ? checkpoints[checkpoints.length - 1] : null;
        await checkKept(sql, opts.since, keptSize <= expected ? keptRoot : null, expected, newest ? { size: Number(newest.size), root: u8(newest.root_hash) } : null, report);
      }
      return older;
    });
    return {
      ok: count === 0,
      leaves: expected,
      readings,
      checkpoints: checkpoints.length,
      cosignatures: cosigs.length,
      // Not a discrepancy: witnesses may still be catching up with the newest checkpoints.
      belowQuorum: checkpoints.filter((c) => (cosigBySize.get(Number(c.size))?.length ?? 0) < opts.quorum).length,
      discrepancyCount: count,
      discrepancies,
      seconds: (performance.now() - t0) / 1000,
      threads: pool.threads,
      withoutTable,
      unwitnessed,
      phases,
    };
  }
}
