// How a check worker hands checked readings to the intake's thread: one byte buffer,
// transferred (not copied), with offsets, instead of an object graph per reading. The intake's
// thread needs of an accepted reading only what the storage transaction reads (device, seq,
// payload hash, for a signed reading the key it verified with, and the rows prepared on the
// worker: PreparedReading); the envelope's other fields are already in those rows. Cloning
// thousands of small objects and byte views per batch, and collecting them after they waited
// for the commit, cost the console more CPU per reading than its checks (bench:ingest's
// profile, README "The cost of a reading").
import type { CheckedBatch, CheckedReading } from "./check-message";
import type { Refusal } from "./refusal";
import { writeReadingRows, type AcceptedReading, type PreparedRows, type ReadingInPlace, type StorableReading } from "./store-readings";
import { ByteWriter } from "../db/copy-rows";
import type { NewEntry } from "../ledger-store/append-entries";

const HASH = 32;
/** Byte segments kept per accepted reading, in this order. */
// (A reading's opening COPY text is empty: a sealed reading's salt is in its reading COPY text, seal_salt.)
const SEGMENTS = 8; // payload hash, key, entry bytes, leaf COPY text, reading COPY text, opening salt, opening entry, opening COPY text
const EMPTY = new Uint8Array(0);

/** Accepted readings' bytes in one buffer: SEGMENTS + 1 boundaries per reading in `offs` (the next starts where one ends). */
type PackedRows = { buf: Uint8Array; offs: Uint32Array; devices: string[]; seqs: Float64Array; kinds: string[] };

/**
 * Bytes a reading's segments took in the chunks packed here, with an eighth more: the largest
 * of recent chunks', falling by 3 % a chunk (a worker's batches alternate between departments
 * whose readings differ in size: sized from the last one only, a batch of larger readings after
 * smaller ones outgrew its buffer, which was then doubled and copied). The buffer is sized from
 * it (it grows, doubling, if they take more; the whole buffer is transferred and held until the
 * commit, so it is not sized far beyond what is written).
 */
let rowBytes = 1024;

/**
 * Readings' rows, after `head` (bytes that go first in the buffer); null when a reading is not
 * packable (see packable). A reading that comes without prepared rows, sealed or not, has them
 * written here straight into the buffer (writeReadingRows), with no strings or Buffers in between.
 */
function packRows(head: readonly Uint8Array[], rs: readonly { reading: StorableReading; key: Uint8Array | null }[]): PackedRows | null {
  const devices: string[] = new Array(rs.length);
  const seqs = new Float64Array(rs.length);
  const kinds: string[] = new Array(rs.length);
  let headBytes = 0;
  for (const h of head) headBytes += h.length;
  const w = new ByteWriter(headBytes + rowBytes * rs.length);
  for (const h of head) w.bytes(h);
  const offs = new Uint32Array(rs.length * SEGMENTS + 1);
  const ends = [0, 0, 0, 0, 0, 0];
  for (let j = 0; j < rs.length; j++) {
    const { reading: r, key } = rs[j];
    if (r.payloadHash.length !== HASH) return null;
    devices[j] = r.device;
    seqs[j] = r.seq;
    const s = j * SEGMENTS;
    offs[s] = w.at;
    w.bytes(r.payloadHash);
    offs[s + 1] = w.at;
    w.bytes(key ?? EMPTY);
    offs[s + 2] = w.at;
    if (!r.prepared) {
      kinds[j] = writeReadingRows(w, r as AcceptedReading, ends);
      for (let k = 0; k < 5; k++) offs[s + 3 + k] = ends[k];
      continue;
    }
    const p = r.prepared;
    const e = p.entry;
    // The leaf's ref is the reading's own (unpack writes it back from device and seq); a reading's
    // leaf is derived from its row (store-readings.ts), which unpack writes back too.
    if (e.refTable !== "reading" || !e.derived || !e.copy || (e.opening && !e.opening.copy)) return null;
    if (e.refId !== `${r.device}:${r.seq}`) return null;
    kinds[j] = e.kind;
    const o = e.opening;
    const segs = [e.bytes, e.copy, p.readingCopy, o?.salt ?? EMPTY, o?.entry ?? EMPTY, o?.copy ?? EMPTY];
    for (let k = 0; k < segs.length; k++) {
      w.bytes(segs[k]);
      offs[s + 3 + k] = w.at;
    }
  }
  offs[rs.length * SEGMENTS] = w.at;
  if (rs.length) rowBytes = Math.min(1 << 16, Math.max(256, Math.ceil((1.125 * (w.at - headBytes)) / rs.length), Math.floor(0.97 * rowBytes)));
  return { buf: new Uint8Array(w.buf.buffer, w.buf.byteOffset, w.at), offs, devices, seqs, kinds };
}

/**
 * The j-th packed reading, as the commit reads it: device, seq and batch id as fields, its rows
 * copied from the buffer where they lie (ReadingInPlace); its payload hash and PreparedRows are
 * views on the buffer, made only when asked for (a resend's check, a fallback path).
 */
class PackedReading implements ReadingInPlace {
  gatewayBatchId: number | null = null;
  readonly device: string;
  readonly seq: number;
  /** The first of its SEGMENTS + 1 boundaries in rows.offs. */
  private readonly s: number;

  constructor(
    private readonly rows: PackedRows,
    j: number,
  ) {
    this.device = rows.devices[j];
    this.seq = rows.seqs[j];
    this.s = j * SEGMENTS;
  }

  private view(k: number): Uint8Array {
    return this.rows.buf.subarray(this.rows.offs[this.s + k], this.rows.offs[this.s + k + 1]);
  }

  private copy(k: number, w: ByteWriter): void {
    w.range(this.rows.buf, this.rows.offs[this.s + k], this.rows.offs[this.s + k + 1]);
  }

  get payloadHash(): Uint8Array {
    return this.view(0);
  }

  /** The key the reading was verified with (a signed reading's), or null (a gateway batch's). */
  key(): Uint8Array | null {
    const { offs } = this.rows;
    return offs[this.s + 1] < offs[this.s + 2] ? this.view(1) : null;
  }

  get prepared(): PreparedRows {
    const copy = this.view(3);
    const entry: NewEntry = { kind: this.rows.kinds[this.s / SEGMENTS], bytes: this.view(2), refTable: "reading", refId: `${this.device}:${this.seq}`, copy, derived: true };
    // A leaf with no row of its own is folded into the reading row (store-readings.ts).
    if (copy.length === 0) entry.inRow = true;
    // An opening always has its 32-byte salt.
    if (this.hasOpening()) entry.opening = { salt: this.view(5), entry: this.view(6), copy: this.view(7) };
    return { entry, readingCopy: this.view(4) };
  }

  leafRow(w: ByteWriter): void {
    this.copy(3, w);
  }

  hasOpening(): boolean {
    return this.rows.offs[this.s + 5] < this.rows.offs[this.s + 6];
  }

  readingRow(w: ByteWriter): void {
    this.copy(4, w);
  }

  leafBytes(): number {
    return this.rows.offs[this.s + 4] - this.rows.offs[this.s + 3];
  }

  readingBytes(): number {
    return this.rows.offs[this.s + 5] - this.rows.offs[this.s + 4];
  }
}

/** An accepted gateway batch as it crosses from a check worker (packBatch) to the intake's thread (unpackBatch). */
export type PackedBatch = {
  kind: "packed";
  gateway: string;
  departmentId: string;
  /** rows.buf starts with the root (32), the gateway's signature (sigLength) and the payload hashes (32 per reading). */
  rows: PackedRows;
  sigLength: number;
  /** Readings in the batch (accepted or refused). */
  n: number;
  /** Per reading: its index among the accepted ones, or -1 when refused. */
  accepted: Int32Array;
  /** The refused readings, by index. */
  refused: { i: number; device: string; refusal: Refusal }[];
};

/**
 * Packs an accepted batch into one buffer (the caller transfers `rows.buf.buffer`), writing the
 * rows of readings that come without them; null when a reading's leaf is not of the reading's
 * own: such a batch goes as it is.
 */
export function packBatch(b: CheckedBatch & { kind: "batch" }): PackedBatch | null {
  const n = b.items.length;
  if (b.payloadHashes.length !== n || b.root.length !== HASH) return null;
  const accepted = new Int32Array(n).fill(-1);
  const refused: PackedBatch["refused"] = [];
  const rs: { reading: StorableReading; key: null }[] = [];
  for (let i = 0; i < n; i++) {
    const it = b.items[i];
    if (it.kind === "refusal") refused.push({ i, device: it.device, refusal: it.refusal });
    else {
      accepted[i] = rs.length;
      rs.push({ reading: it.reading, key: null });
    }
  }
  const rows = packRows([b.root, b.signature, ...b.payloadHashes], rs);
  return rows && { kind: "packed", gateway: b.gateway, departmentId: b.departmentId, rows, sigLength: b.signature.length, n, accepted, refused };
}

/** The batch again, with each accepted reading as a PreparedReading whose bytes are views on the one buffer. */
export function unpackBatch(p: PackedBatch): CheckedBatch & { kind: "batch" } {
  const buf = p.rows.buf;
  const root = buf.subarray(0, HASH);
  const signature = buf.subarray(HASH, HASH + p.sigLength);
  const hashesAt = HASH + p.sigLength;
  const payloadHashes: Uint8Array[] = new Array(p.n);
  for (let i = 0; i < p.n; i++) payloadHashes[i] = buf.subarray(hashesAt + HASH * i, hashesAt + HASH * (i + 1));
  const items: (CheckedBatch & { kind: "batch" })["items"] = new Array(p.n);
  for (const r of p.refused) items[r.i] = { kind: "refusal", device: r.device, refusal: r.refusal };
  for (let i = 0; i < p.n; i++) if (p.accepted[i] >= 0) items[i] = { kind: "reading", reading: new PackedReading(p.rows, p.accepted[i]) };
  return { kind: "batch", gateway: p.gateway, departmentId: p.departmentId, root, signature, payloadHashes, items };
}

/** Checked single readings (a chunk a worker checked) as they cross to the intake's thread. */
export type PackedReadings = {
  kind: "packed-readings";
  rows: PackedRows;
  /** Per message: its index among the accepted readings, or -1 (then `others` has its result). */
  accepted: Int32Array;
  /** Per accepted reading: the department of its device. */
  departments: string[];
  /** Refusals and lookups, by message index. */
  others: { i: number; out: CheckedReading }[];
};

/** Packs a chunk's results into one buffer (the caller transfers `rows.buf.buffer`); null when a reading is not packable. */
export function packReadings(out: readonly CheckedReading[]): PackedReadings | null {
  const accepted = new Int32Array(out.length).fill(-1);
  const rs: { reading: StorableReading; key: Uint8Array }[] = [];
  const departments: string[] = [];
  const others: PackedReadings["others"] = [];
  for (let i = 0; i < out.length; i++) {
    const r = out[i];
    if (r.kind !== "reading" || r.deviceId !== r.reading.device) others.push({ i, out: r });
    else {
      accepted[i] = rs.length;
      rs.push({ reading: r.reading, key: r.key });
      departments.push(r.departmentId);
    }
  }
  const rows = packRows([], rs);
  return rows && { kind: "packed-readings", rows, accepted, departments, others };
}

/** The chunk's results again, in message order. */
export function unpackReadings(p: PackedReadings): CheckedReading[] {
  const out: CheckedReading[] = new Array(p.accepted.length);
  for (const o of p.others) out[o.i] = o.out;
  for (let i = 0; i < out.length; i++) {
    const j = p.accepted[i];
    if (j < 0) continue;
    const reading = new PackedReading(p.rows, j);
    out[i] = { kind: "reading", reading, key: reading.key()!, deviceId: reading.device, departmentId: p.departments[j] };
  }
  return out;
}
