import { copyByteaField, copyTextField, type Sql, type SqlTx } from "../db/sql";
import type { Envelope } from "./envelope";
import { fastReadingEntryJsonOf, readingEntryBytes, readingEntryOf, type GatewayProof } from "./reading-encoding";
import { encodeEntry, type ReadingEntry } from "../ledger/entries";
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { nodeSha256 } from "../ledger-store/node-hasher";
import { copyRows, writeHex, type ByteWriter } from "../db/copy-rows";
import { leafHash } from "../ledger/merkle";
import { appendEntries, appendLeafRows, COPY_FROM, leafCopyText, type AppendAt, type NewEntry } from "../ledger-store/append-entries";
import { freshSaltInto, isRestrictedDataset, sealLeaf } from "../ledger-store/seal";

/** The edge gateway that vouched for a reading: its device id, the batch root it signed, its signature. */
export type { GatewayProof } from "./reading-encoding";

/** A reading that passed every check and is ready to be stored and ledgered. */
export type AcceptedReading = Envelope & {
  /** SHA-256 of the canonical envelope the device signed */
  payloadHash: Uint8Array;
  /** The device's Ed25519 signature over the canonical envelope */
  signature: Uint8Array;
  /** Row of gateway_batch the reading came in, if a gateway batched it */
  gatewayBatchId?: number | null;
  /** The gateway's signature over that batch; goes into the reading.v1 entry */
  gateway?: GatewayProof | null;
  /** `signature` in base64 as its device sent it (canonical), when the checks kept it: the entry's form, not encoded again. */
  signatureText?: string;
  /** Its ledger entry and row text, computed ahead of the storage transaction (prepareReadingRows). */
  prepared?: PreparedRows;
};

/**
 * A checked reading as the intake's thread gets it from a check worker: only what the storage
 * transaction reads (device and seq for the seq checks, payload hash for resends, the rows
 * prepared on the worker). The rest of the envelope is in the rows already.
 */
export type PreparedReading = { device: string; seq: number; payloadHash: Uint8Array; gatewayBatchId?: number | null; prepared: PreparedRows };

/**
 * A prepared reading whose rows lie where a check worker wrote them, in the buffer it
 * transferred (batch-transfer.ts): the transaction copies them from there into its COPY data,
 * with no entry object or byte view per reading. Each writes a row's COPY text as
 * PreparedRows holds it: the leaf's (entry.copy; none when its leaf is folded into its row) and
 * the reading's (readingCopy, which holds a sealed reading's salt too: hasOpening).
 */
export type ReadingInPlace = PreparedReading & {
  leafRow(w: ByteWriter): void;
  hasOpening(): boolean;
  readingRow(w: ByteWriter): void;
  /** Bytes of its leaf row's COPY text (without the leaf index). */
  leafBytes(): number;
  /** Bytes of its reading row's COPY text (up to gateway_batch_id; 0 for its leaf row: a leaf folded into its reading row has none). */
  readingBytes(): number;
};

/** A reading the commit can store: whole, or as prepared on a check worker. */
export type StorableReading = AcceptedReading | PreparedReading;

const isWhole = (r: StorableReading): r is AcceptedReading => "values" in r;
const isInPlace = (r: StorableReading): r is ReadingInPlace => "readingRow" in r;

/**
 * What storing a reading writes, except its leaf index and gateway batch id (known only in
 * the transaction): its ledger entry with the leaf row's COPY text, and the reading row's
 * COPY text up to gateway_batch_id, both in UTF-8.
 */
export type PreparedRows = { entry: NewEntry; readingCopy: Uint8Array };

/** The reading.v1 ledger entry of a reading: it commits to the payload by hash (sealed in a commitment.v1 leaf for restricted datasets, see readingLeaf). */
export function readingEntry(r: AcceptedReading): ReadingEntry {
  return readingEntryOf(r);
}

/**
 * The ledger entries of readings, in order (for appendEntries). With `checked`, the
 * readings' fields were already validated by the intake (ids, seq, canonical instant,
 * 32-byte hash, 64-byte signature), so the entry's canonical JSON is written without
 * validating it again; the bytes are the same as encodeEntry's (see the unit test).
 */
export function readingEntries(readings: readonly StorableReading[], opts: { checked?: boolean } = {}): NewEntry[] {
  return readings.map((r) => (isWhole(r) && !r.prepared ? readingLeaf(r, opts.checked ?? false) : r.prepared!.entry));
}

/**
 * Prepares the rows of the whole readings that have none yet (a sealed reading's row holds the
 * hash of its commitment leaf, sealed under a fresh salt: its leaf and row must be made
 * together, before appendEntries and insertReadings read them).
 */
function prepareMissing(readings: readonly StorableReading[], checked: boolean): void {
  for (const r of readings) {
    if (!isWhole(r) || r.prepared) continue;
    const entry = readingLeaf(r, checked);
    r.prepared = { entry, readingCopy: Buffer.from(readingCopyText(r, entry)) };
  }
}

/**
 * A reading's leaf: its reading.v1 entry, or for a restricted dataset a commitment.v1 entry
 * to it under a fresh salt, with the opening (lib/ledger-store/seal.ts says why), so the public log
 * shows no device, time or dataset of restricted readings.
 */
function readingLeaf(r: AcceptedReading, checked: boolean): NewEntry {
  // derived: the leaf keeps no copy of the entry, which is made of the reading row (leaf-entries.ts);
  // inRow: its leaf hash is a column of the reading row, with no ledger_leaf row (a sealed one's, its commitment's: sealLeaf keeps inRow).
  const leaf: NewEntry = { kind: "reading.v1", bytes: checked ? readingEntryBytes(r) : encodeEntry(readingEntry(r)), refTable: "reading", refId: `${r.device}:${r.seq}`, derived: true, inRow: true };
  return isRestrictedDataset(r.dataset) ? sealLeaf(leaf) : leaf;
}

const READING_COLUMNS = ["dataset_id", "device_id", "seq", "observed_at", "lon", "lat", "payload", "payload_hash", "signature", "leaf_hash", "sealed_leaf_hash", "seal_salt", "gateway_batch_id", "leaf_index"] as const;

/**
 * A reading row's COPY text up to (not including) gateway_batch_id and leaf_index; `leaf`: its
 * leaf, whose hash the row holds when it is folded into it (entry.inRow): leaf_hash for a
 * reading.v1 leaf, sealed_leaf_hash for a sealed reading's commitment.v1 leaf, whose salt the
 * row holds too (seal_salt, migration 20261207060000_reading_seal_salt: no ledger_commitment row).
 */
function readingCopyText(r: AcceptedReading, leaf: NewEntry): string {
  const hash = leaf.inRow ? copyByteaField(leafHash(nodeSha256, leaf.bytes)) : "\\N";
  const sealed = leaf.kind === "commitment.v1";
  const salt = sealed && leaf.inRow ? copyByteaField(leaf.opening!.salt) : "\\N";
  return `${readingCopyHead(r)}\\N\t${copyByteaField(r.signature)}\t${sealed ? "\\N" : hash}\t${sealed ? hash : "\\N"}\t${salt}`;
}

/**
 * The reading row's COPY text up to its two bytea fields (payload hash, signature), tab included.
 * The payload hash is written NULL: it is derived from the row (migration
 * 20261207050000_reading_payload_hash_derived, lib/ingest/envelope.ts payloadHashOfRow).
 */
function readingCopyHead(r: AcceptedReading): string {
  return `${copyTextField(r.dataset)}\t${copyTextField(r.device)}\t${r.seq}\t${copyTextField(r.observedAt)}\t${r.location[0]}\t${r.location[1]}\t${copyTextField(JSON.stringify(r.values))}\t`;
}

/**
 * Computes a checked reading's ledger entry, leaf hash and row text ahead of the storage
 * transaction (the intake does it while the previous group commits), so the one writer
 * spends its time in the database. Same bytes as computing them in the transaction.
 */
export function prepareReadingRows(r: AcceptedReading): PreparedRows {
  const entry = readingLeaf(r, true);
  return { entry: { ...entry, copy: Buffer.from(leafCopyText(entry)) }, readingCopy: Buffer.from(readingCopyText(r, entry)) };
}

// A zero byte, then the entry being written: SHA-256 of it is the entry's leaf hash (RFC 9162).
let leafInput: Buffer = Buffer.allocUnsafeSlow(4096).fill(0);
// For a sealed reading: its salt, then its reading.v1 entry; SHA-256 of it is the commitment (seal.ts).
let sealInput: Buffer = Buffer.allocUnsafeSlow(4096);

/** r's reading.v1 entry: its canonical JSON text by the template, or its bytes when it is not of the plain shape. */
const entryText = (r: AcceptedReading): string | Uint8Array => fastReadingEntryJsonOf(r) ?? canonicalJsonBytes(readingEntryOf(r));

/** `buf`, or a larger copy of its first `keep` bytes when it cannot hold `text` (UTF-8) after them. */
function roomFor(buf: Buffer, keep: number, text: string | Uint8Array): Buffer {
  const most = keep + (typeof text === "string" ? 3 * text.length : text.length);
  if (buf.length >= most) return buf;
  const grown = Buffer.allocUnsafeSlow(Math.max(most, 2 * buf.length));
  buf.copy(grown, 0, 0, keep);
  return grown;
}

/** Writes text (UTF-8) or bytes into buf at `at`; returns how many bytes. */
function put(buf: Buffer, at: number, text: string | Uint8Array): number {
  if (typeof text === "string") return buf.write(text, at, "utf8");
  buf.set(text, at);
  return text.length;
}

/** The segments writeReadingRows writes, one after the other; `ends` gets where each ends. */
export const READING_ROW_SEGMENTS = ["entry", "leaf COPY text", "reading COPY text", "opening salt", "opening entry", "opening COPY text"] as const;

/**
 * Writes what prepareReadingRows makes for a reading straight into `w`, without the strings
 * and Buffers in between: its leaf's entry bytes, the leaf row's COPY text, the reading row's
 * COPY text, and for a restricted dataset's reading (its leaf a commitment.v1 entry under a
 * fresh salt, seal.ts) the opening's salt and inner reading.v1 entry (its ledger_commitment COPY
 * text is empty: the salt is a column of the reading row, seal_salt), one after the other;
 * `ends` gets where each of the six ends (the opening's three are empty for a public reading). Returns the leaf's kind. The same bytes as prepareReadingRows
 * (store-readings.test.ts); `salt` is for that test, else a fresh one is taken.
 */
export function writeReadingRows(w: ByteWriter, r: AcceptedReading, ends: number[], salt?: Uint8Array): "reading.v1" | "commitment.v1" {
  if (!isRestrictedDataset(r.dataset)) {
    const text = entryText(r);
    leafInput = roomFor(leafInput, 1, text);
    const n = put(leafInput, 1, text);
    const hash = nodeSha256(leafInput.subarray(0, 1 + n));
    w.bytes(leafInput.subarray(1, 1 + n));
    // leafCopyText of a leaf folded into its reading row: none; the hash goes in the row.
    ends[0] = ends[1] = w.at;
    writeReadingCopy(w, r);
    w.ascii(`\t\\\\x`);
    w.hex(hash);
    w.ascii(`\t\\N\t\\N`);
    ends[2] = ends[3] = ends[4] = ends[5] = w.at;
    return "reading.v1";
  }
  // sealLeaf of the derived reading.v1 leaf, in place: SHA-256(salt || entry) is the commitment.
  if (salt) sealInput.set(salt, 0);
  else freshSaltInto(sealInput, 0);
  const text = entryText(r);
  sealInput = roomFor(sealInput, SALT, text);
  const n = put(sealInput, SALT, text);
  const commitment = nodeSha256(sealInput.subarray(0, SALT + n));
  // The commitment.v1 entry after a zero byte: SHA-256 of it is the leaf hash.
  let at = 1 + leafInput.write(COMMITMENT_PREFIX, 1, "latin1");
  at = writeHex(leafInput, at, commitment);
  at += leafInput.write(COMMITMENT_SUFFIX, at, "latin1");
  const entry = leafInput.subarray(1, at);
  const hash = nodeSha256(leafInput.subarray(0, at));
  w.bytes(entry);
  // leafCopyText of a leaf folded into its reading row: none; the hash goes in the row
  // (sealed_leaf_hash), and so does the salt (seal_salt): no ledger_commitment row.
  ends[0] = ends[1] = w.at;
  writeReadingCopy(w, r);
  w.ascii(`\t\\N\t\\\\x`);
  w.hex(hash);
  w.ascii(`\t\\\\x`);
  w.hex(sealInput.subarray(0, SALT));
  ends[2] = w.at;
  w.bytes(sealInput.subarray(0, SALT));
  ends[3] = w.at;
  w.bytes(sealInput.subarray(SALT, SALT + n));
  ends[4] = ends[5] = w.at;
  return "commitment.v1";
}

const SALT = 32;
const COMMITMENT_PREFIX = '{"commitment":"';
const COMMITMENT_SUFFIX = '","kind":"commitment.v1"}';

/** readingCopyText up to its signature (payload hash NULL), the signature written as hex in place (the leaf hash field is the caller's). */
function writeReadingCopy(w: ByteWriter, r: AcceptedReading): void {
  w.utf8(`${readingCopyHead(r)}\\N\t\\\\x`);
  w.hex(r.signature);
}

/**
 * Inserts readings inside the caller's transaction, the i-th with leaf index first + i
 * (the leaves must be appended in the same transaction). Bulk-loaded with COPY.
 */
export async function insertReadings(tx: SqlTx, readings: readonly StorableReading[], first: number): Promise<void> {
  if (readings.length === 0) return;
  // A whole reading's row and leaf are made together (a sealed one's row holds its commitment
  // leaf's hash): here when the rows are written before the leaves (a second writer's early
  // rows, lib/ingest/writer-turns.ts), else appendReadingLeaves made them.
  prepareMissing(readings, true);
  let hint = 0;
  for (const r of readings) hint += isInPlace(r) ? r.readingBytes() : 512;
  const data = copyRows(
    readings.length,
    (i, w) => {
      const r = readings[i];
      if (isInPlace(r)) r.readingRow(w);
      else w.bytes(r.prepared!.readingCopy);
      w.ascii("\t");
      if (r.gatewayBatchId == null) w.ascii("\\N");
      else w.uint(r.gatewayBatchId);
      w.ascii("\t");
      w.uint(first + i);
    },
    hint + 32 * readings.length,
  );
  await tx.copyIn("reading", READING_COLUMNS, data);
}

/**
 * Appends readings' ledger leaves inside the caller's transaction (appendEntries); returns the
 * first one's leaf index. Readings whose rows lie where a check worker wrote them (a group of
 * at least COPY_FROM, all of them such) are copied from there, with no entry object per reading.
 */
export async function appendReadingLeaves(tx: SqlTx, readings: readonly StorableReading[], opts: AppendAt = {}): Promise<number> {
  if (readings.length < COPY_FROM || !readings.every(isInPlace)) {
    prepareMissing(readings, true);
    return appendEntries(tx, readingEntries(readings), opts);
  }
  const rs = readings as readonly ReadingInPlace[];
  let hint = 0;
  for (const r of rs) hint += r.leafBytes();
  return appendLeafRows(tx, {
    n: rs.length,
    bytesHint: hint,
    hasLeaf: (i) => rs[i].leafBytes() > 0,
    leaf: (i, w) => rs[i].leafRow(w),
    // A reading's opening is in its row (a sealed reading's salt: seal_salt): no ledger_commitment row.
    hasOpening: () => false,
    opening: () => {},
  }, opts);
}

/**
 * Stores readings and their ledger leaves in one transaction: either all are kept with
 * their leaf indexes, or none. Returns the leaf index of each reading, in order.
 * It does not check signatures or sequence numbers: the intake (lib/ingest/intake.ts) does.
 */
export async function storeReadings(sql: Sql, readings: readonly AcceptedReading[]): Promise<number[]> {
  if (readings.length === 0) return [];
  prepareMissing(readings, false);
  const entries = readingEntries(readings);
  return sql.transaction(async (tx) => {
    const first = await appendEntries(tx, entries);
    await insertReadings(tx, readings, first);
    return readings.map((_, i) => first + i);
  });
}
