// The audit's per-row fast path, run on the main thread or in the audit's worker threads
// (audit-pool.ts, audit-worker.ts).
//
// verifyRange() checks one leaf-index range, read as binary COPY (copy-binary.ts: bytes as
// they are stored, no text encoding), and says "fine" for a row only when the full check in
// audit.ts would find nothing wrong with it; every other row (a mismatch, a non-reading
// entry, a value outside the plain reading shape) is handed back to audit.ts, decoded, which
// checks it again and names what differs. So this file decides nothing on its own: it can
// only spare the main thread rows that are fine. It computes every leaf hash itself, from
// the stored entry's bytes (never the stored leaf_hash), and the range's part of the tree
// from those. A reading is fine only when its stored entry is, byte for byte, the entry the
// reading encoder writes for its row (reading-row-bytes.ts), its payload hash is that of the
// envelope the encoder writes (a row stored since migration 20261207050000 stores none: the
// entry is written with the envelope's hash), its device's Ed25519 signature over that envelope
// verifies under a key the device held (device-keyring.ts; audit.ts uses the same), and a
// gateway's reading's payload hash is one of its batch's hashes (RangeJob.batches).
import { hash } from "node:crypto";
import { Buffer } from "node:buffer";
import { decodeLedgerRow, decodeReadingRow, LEDGER_COLUMNS, readInt16, readInt32, slotRowsByLeaf, type LedgerRow, type ReadingRow } from "./copy-binary";
import { deviceSignatureOk, type DeviceKeyring } from "./device-keyring";
import { bytesNeeded, locateReadingRow, newReadingRowFields, setDerivedHash, storesPayloadHash, viaGateway, writeEnvelope, writeReadingEntry, type ReadingRowFields } from "./reading-row-bytes";

/**
 * One range to check: leaves [from, from + chunk), as the audit's two SELECTs give them in
 * binary COPY; `batches`: the gateway batches whose leaf ranges meet it (packBatchHashes), whose
 * hashes a member reading's payload hash must be among (without it, every gateway reading is
 * handed back).
 */
export type RangeJob = { from: number; chunk: number; ledger: Uint8Array; reading: Uint8Array; cuts: number[]; batches?: Uint8Array };

export type RangeResult = {
  from: number;
  n: number;
  firstIndex: number | null;
  gapAt: number | null;
  readings: number;
  hashes: Uint8Array;
  /** Roots of the range's full 256-leaf subtrees (empty unless `from` is a multiple of 256). */
  nodes8: Uint8Array;
  cuts: { size: number; hashes: Uint8Array }[];
  deferred: { index: number; ledger: LedgerRow; reading: ReadingRow | null }[];
  extra: ReadingRow[];
  extraLeaves: LedgerRow[];
};

// SHA-256 as a latin1 string (one char a byte: cheap to compare and to keep). node:crypto's
// hash() takes any Buffer encoding for its output; @types/node lists only the text ones.
const sha256Latin1 = hash as unknown as (algorithm: "sha256", data: Uint8Array, outputEncoding: "latin1") => string;

const KIND_READING = Uint8Array.from(Buffer.from("reading.v1", "latin1"));

/**
 * The gateway batches' hashes a range's member readings are checked against, packed as the
 * audit's SELECT gives them: per batch its root (32 bytes), the byte length of its hashes
 * (int32, big-endian) and the hashes (32 bytes each).
 */
export function batchMembers(packed: Uint8Array | undefined): Set<string> | null {
  if (!packed) return null;
  const members = new Set<string>();
  const b = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  for (let at = 0; at + 36 <= b.length; ) {
    const root = b.toString("latin1", at, at + 32);
    const length = b.readInt32BE(at + 32);
    at += 36;
    const end = Math.min(b.length, at + length);
    for (let h = at; h + 32 <= end; h += 32) members.add(root + b.toString("latin1", h, h + 32));
    at = end;
  }
  return members;
}

/** Whether a gateway reading's payload hash (latin1 digest) is among the hashes of the batch whose root its row names. */
function inItsBatch(members: Set<string> | null, reading: Uint8Array, fields: ReadingRowFields, payloadHash: string): boolean {
  if (members === null || fields.batchRootLength !== 32) return false;
  return members.has(Buffer.from(reading.buffer, reading.byteOffset + fields.batchRootAt, 32).toString("latin1") + payloadHash);
}

/**
 * The row's payload hash (latin1 digest) from the envelope written in `out`: a stored one must
 * equal it (else null); a derived one is set in `fields` for writeReadingEntry.
 */
function envelopeHash(out: Uint8Array, envelopeEnd: number, reading: Uint8Array, fields: ReadingRowFields): string | null {
  const digest = sha256Latin1("sha256", out.subarray(0, envelopeEnd), "latin1");
  if (storesPayloadHash(fields)) return digestEquals(digest, reading, fields.payloadHashAt, fields.payloadHashLength) ? digest : null;
  setDerivedHash(fields, digest);
  return digest;
}

// Scratch space: the row's fields, the bytes the encoder writes for it, a tree node.
const rowFields = newReadingRowFields();
let written = new Uint8Array(4096);
const treeNode = Buffer.alloc(65);
treeNode[0] = 1;

/** Equal bytes of a latin1 digest string and bytes[at..at+32) (`length`: that field's). */
function digestEquals(digest: string, bytes: Uint8Array, at: number, length: number): boolean {
  if (length !== 32) return false;
  for (let i = 0; i < 32; i++) if (digest.charCodeAt(i) !== bytes[at + i]) return false;
  return true;
}

function bytesEqual(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}

/**
 * SHA-256 of 0x00 || bytes[at..at+length), as a latin1 digest, hashed where it lies: the byte
 * before a bytea field is the last byte of its length, set to 0x00 for the hash and put back.
 */
function leafHashInPlace(bytes: Uint8Array, at: number, length: number): string {
  const kept = bytes[at - 1];
  bytes[at - 1] = 0;
  const digest = sha256Latin1("sha256", bytes.subarray(at - 1, at + length), "latin1");
  bytes[at - 1] = kept;
  return digest;
}

/** The entry field of the ledger row at `row`: its offset and length (-1: NULL). */
function entryField(ledger: Uint8Array, row: number): [at: number, length: number] {
  let at = row + 2 + 12; // field count, leaf_index
  at += 4 + Math.max(0, readInt32(ledger, at)); // kind
  return [at + 4, readInt32(ledger, at)];
}

/**
 * The leaf hash (latin1 digest) of a reading leaf when it is certainly fine, else null.
 * `ledgerRow`/`readingRow`: the rows' offsets in their COPY outputs (readingRow -1: none);
 * `index`: the leaf index; `ring`: the device keys (null: no reading is fine).
 */
function fineReadingLeafHash(
  ledger: Uint8Array,
  ledgerRow: number,
  reading: Uint8Array,
  readingRow: number,
  index: number,
  ring: DeviceKeyring | null,
  members: Set<string> | null,
): string | null {
  if (readingRow < 0 || readInt16(ledger, ledgerRow) !== LEDGER_COLUMNS) return null;
  const [entryAt, entryLength] = entryField(ledger, ledgerRow);
  // A NULL entry: the leaf stores none, the entry is the one its reading row makes (derived).
  const derived = entryLength < 0;
  const leafHashLength = readInt32(ledger, entryAt + Math.max(0, entryLength));
  const leafHashAt = entryAt + Math.max(0, entryLength) + 4;
  const fields = rowFields;
  // A reading.v1 leaf's row holds no salt (seal_salt is a sealed reading's): one that does is named in audit.ts.
  if (!locateReadingRow(reading, readingRow, fields) || fields.sealSaltLength >= 0) return null;
  const room = bytesNeeded(fields) + 1;
  if (written.length < room) written = new Uint8Array(2 * room);
  const out = written;

  // The signed envelope, its SHA-256 the payload hash (stored: equal to it; else derived, and
  // the entry below is written with it).
  const envelopeEnd = writeEnvelope(out, reading, fields);
  if (envelopeEnd < 0) return null;
  const payloadHash = envelopeHash(out, envelopeEnd, reading, fields);
  if (payloadHash === null) return null;
  // The device signed those same bytes (the device id is printable ASCII: writeEnvelope checked).
  const device = Buffer.from(reading.buffer, reading.byteOffset + fields.deviceAt, fields.deviceLength).toString("latin1");
  const signature = reading.subarray(fields.signatureAt, fields.signatureAt + fields.signatureLength);
  if (!deviceSignatureOk(ring, device, index, viaGateway(fields), out.subarray(0, envelopeEnd), signature)) return null;
  // A gateway's reading: its payload hash is one of its batch's hashes.
  if (viaGateway(fields) && !inItsBatch(members, reading, fields, payloadHash)) return null;

  // The stored entry must be, byte for byte, the entry the encoder writes for this row; a
  // derived entry is that one, and its hash must be the stored leaf hash.
  const entryEnd = writeReadingEntry(out, reading, fields);
  if (entryEnd < 0) return null;
  if (derived) {
    out.copyWithin(1, 0, entryEnd);
    out[0] = 0;
  } else if (entryEnd !== entryLength || !bytesEqual(out, 0, ledger, entryAt, entryLength)) return null;
  const leaf = derived ? sha256Latin1("sha256", out.subarray(0, entryEnd + 1), "latin1") : leafHashInPlace(ledger, entryAt, entryLength);
  return digestEquals(leaf, ledger, leafHashAt, leafHashLength) ? leaf : null;
}

/**
 * The leaf hash (latin1 digest) of the stored entry of the ledger row at `row`: SHA-256 of
 * 0x00 || entry. A NULL entry (a reading's, derived from its row, which the full check in
 * audit.ts rebuilds and compares with it; or one missing, which it names) gives the stored
 * leaf hash: a wrong one shows in the tree's roots.
 */
function storedLeafHash(ledger: Uint8Array, row: number): string {
  const [entryAt, entryLength] = entryField(ledger, row);
  if (entryLength < 0 && readInt32(ledger, entryAt) === 32) return Buffer.from(ledger.buffer, ledger.byteOffset + entryAt + 4, 32).toString("latin1");
  return leafHashInPlace(ledger, entryAt, Math.max(0, entryLength));
}

/**
 * For a reading.v1 leaf that stores no entry, the leaf hash (latin1 digest) of the entry its
 * reading row makes, when the fast writer can write it; else null. The tree is recomputed from
 * the rows. (A sealed reading's folded leaf gives its stored hash here, storedLeafHash; audit.ts
 * rebuilds its commitment entry from the salt and the row and names a stored hash that differs.)
 */
function derivedLeafHash(ledger: Uint8Array, ledgerRow: number, reading: Uint8Array, readingRow: number): string | null {
  // Only a reading.v1 leaf: a sealed reading's folded commitment leaf needs its salt (audit.ts rebuilds it).
  if (readingRow < 0 || !isReadingLeaf(ledger, ledgerRow) || entryField(ledger, ledgerRow)[1] >= 0 || !locateReadingRow(reading, readingRow, rowFields)) return null;
  const room = bytesNeeded(rowFields) + 1;
  if (written.length < room) written = new Uint8Array(2 * room);
  if (!storesPayloadHash(rowFields)) {
    const envelopeEnd = writeEnvelope(written, reading, rowFields);
    if (envelopeEnd < 0) return null;
    envelopeHash(written, envelopeEnd, reading, rowFields);
  }
  const end = writeReadingEntry(written, reading, rowFields);
  if (end < 0) return null;
  written.copyWithin(1, 0, end);
  written[0] = 0;
  return sha256Latin1("sha256", written.subarray(0, end + 1), "latin1");
}

function isReadingLeaf(ledger: Uint8Array, row: number): boolean {
  const at = row + 2 + 12;
  if (readInt32(ledger, at) !== KIND_READING.length) return false;
  return bytesEqual(ledger, at + 4, KIND_READING, 0, KIND_READING.length);
}

// Plain byte views: a Buffer's subarray() builds a Buffer, several times slower than a Uint8Array's.
const asBytes = (u: Uint8Array) => new Uint8Array(u.buffer, u.byteOffset, u.byteLength);

/**
 * Checks the leaves [from, from + chunk) given as binary COPY output (ledger rows and
 * reading rows, in any order), and hashes their part of the tree. `ring`: the device keys
 * (deviceKeyring) the readings' signatures are verified with; without it every reading
 * leaf is handed back.
 *
 * `from` must be a multiple of `chunk`, a power of two, so that every perfect subtree of
 * [from, s) is one of the whole tree's. Returns:
 *  - n: leaves present without a gap from `from` (0 when the first row is past `from`);
 *    firstIndex: the first row's leaf index (null for no rows); gapAt: the leaf index of the
 *    first row after a gap, or null;
 *  - hashes: the n leaf hashes (SHA-256 of 0x00 || the stored entry, computed here), 32 bytes each;
 *  - nodes8: the roots of the range's full 256-leaf subtrees, 32 bytes each (empty unless
 *    `from` is a multiple of 256);
 *  - cuts: for each size s in `cuts` with from < s <= from + n, and for from + n, the hashes
 *    of the perfect subtrees of [from, s), largest first (concatenated, 32 bytes each);
 *  - readings: reading.v1 leaves among the n; deferred: the leaves to check again in
 *    audit.ts, their rows decoded; extra: reading rows no ledger row of the range took;
 *    extraLeaves: second ledger rows of one leaf index.
 */
export function verifyRange({ from, chunk, ledger: ledgerCopy, reading: readingCopy, cuts, batches }: RangeJob, ring: DeviceKeyring | null = null): RangeResult {
  const members = batchMembers(batches);
  const ledger = asBytes(ledgerCopy);
  const reading = asBytes(readingCopy);
  const ledgerRowAt = new Int32Array(chunk).fill(-1);
  const readingRowAt = new Int32Array(chunk).fill(-1);
  const secondLedgerRows: number[] = [];
  const secondReadingRows: number[] = [];
  slotRowsByLeaf(ledger, from, chunk, ledgerRowAt, secondLedgerRows);
  slotRowsByLeaf(reading, from, chunk, readingRowAt, secondReadingRows);

  let first = 0;
  while (first < chunk && ledgerRowAt[first] < 0) first++;
  const firstIndex = first < chunk ? from + first : null;
  let n = 0;
  if (first === 0) while (n < chunk && ledgerRowAt[n] >= 0) n++;
  let gapAt: number | null = null;
  if (firstIndex !== null && first > 0) gapAt = firstIndex;
  else if (n < chunk) {
    let next = n + 1;
    while (next < chunk && ledgerRowAt[next] < 0) next++;
    if (next < chunk) gapAt = from + next;
  }

  const hashes = Buffer.alloc(32 * n);
  // Roots of the full 256-leaf subtrees (height 8, what level-1 hash tiles hold), when the
  // range starts on a 256-leaf boundary (chunk >= 256).
  const nodes8 = Buffer.alloc(from % 256 === 0 ? 32 * Math.floor(n / 256) : 0);
  const deferred: RangeResult["deferred"] = [];
  let readings = 0;
  // Tree: a compact range over [from, from + n) (latin1 digests), snapshotted at the requested cuts.
  const stack: string[] = [];
  const cutList: RangeResult["cuts"] = [];
  let nextCut = 0;
  const wantedCuts = (cuts ?? []).filter((s) => s > from && s <= from + chunk).sort((x, y) => x - y);
  const snapshot = (size: number) => {
    const out = Buffer.alloc(32 * stack.length);
    stack.forEach((h, i) => out.write(h, 32 * i, "latin1"));
    cutList.push({ size, hashes: out });
  };

  for (let k = 0; k < n; k++) {
    const index = from + k;
    const ledgerRow = ledgerRowAt[k];
    const readingRow = readingRowAt[k];
    if (readInt16(ledger, ledgerRow) !== LEDGER_COLUMNS) throw new Error(`leaf ${index}: a ledger row with ${readInt16(ledger, ledgerRow)} fields`);
    const isReading = isReadingLeaf(ledger, ledgerRow);
    if (isReading) readings++;
    let leaf = isReading ? fineReadingLeafHash(ledger, ledgerRow, reading, readingRow, index, ring, members) : null;
    if (leaf === null) {
      deferred.push({ index, ledger: decodeLedgerRow(ledger, ledgerRow), reading: readingRow < 0 ? null : decodeReadingRow(reading, readingRow) });
      leaf = derivedLeafHash(ledger, ledgerRow, reading, readingRow) ?? storedLeafHash(ledger, ledgerRow);
    }
    for (let i = 0; i < 32; i++) hashes[32 * k + i] = leaf.charCodeAt(i);
    // Append to the compact range: merge while the new size has trailing ones.
    let node = leaf;
    let height = 0;
    for (let s = k; s % 2 === 1; s = (s - 1) / 2) {
      const left = stack.pop()!;
      for (let i = 0; i < 32; i++) {
        treeNode[1 + i] = left.charCodeAt(i);
        treeNode[33 + i] = node.charCodeAt(i);
      }
      node = sha256Latin1("sha256", treeNode, "latin1");
      if (++height === 8 && nodes8.length) nodes8.write(node, 32 * ((k + 1) / 256 - 1), "latin1");
    }
    stack.push(node);
    while (nextCut < wantedCuts.length && wantedCuts[nextCut] < index + 1) nextCut++;
    if (nextCut < wantedCuts.length && wantedCuts[nextCut] === index + 1) {
      snapshot(index + 1);
      nextCut++;
    }
  }
  if (!cutList.length || cutList[cutList.length - 1].size !== from + n) snapshot(from + n);
  return {
    from,
    n,
    firstIndex,
    gapAt,
    readings,
    hashes,
    nodes8,
    cuts: cutList,
    deferred,
    extra: secondReadingRows.map((row) => decodeReadingRow(reading, row)),
    extraLeaves: secondLedgerRows.map((row) => decodeLedgerRow(ledger, row)),
  };
}
