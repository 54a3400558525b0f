// PostgreSQL's binary COPY output, as the audit reads the ledger and reading rows (bytes as
// they are stored, no text encoding). The format: an 11-byte signature, a 32-bit flags field
// and a 32-bit header extension length (and extension), then per row a 16-bit field count and
// each field as a 32-bit length (-1 for NULL) and its binary value; -1 as a field count ends
// the data. Values: int8 big-endian; text as UTF-8 bytes; bytea raw; float8 IEEE big-endian;
// timestamptz as int8 microseconds since 2000-01-01 UTC; jsonb as a version byte (1) and text.
import { Buffer } from "node:buffer";

/** Fields of the audit's ledger SELECT (audit.ts ledgerSelect): leaf_index, kind, entry, leaf_hash. */
export const LEDGER_COLUMNS = 4;
/**
 * Fields of the audit's reading SELECT (audit.ts readingSelect): leaf_index, id, dataset_id,
 * device_id, seq, observed_at, lon, lat, payload, payload_hash, signature, gateway device,
 * batch root, gateway signature (those three NULL for none), seal_salt (a sealed reading's salt,
 * NULL for a public reading).
 */
export const READING_COLUMNS = 15;

/** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in Unix milliseconds. */
export const PG_EPOCH_MS = 946684800000;

/** A ledger row as the audit's binary COPY gives it (NULL fields null). */
export type LedgerRow = { index: number | null; kind: string | null; entry: Uint8Array | null; leafHash: Uint8Array | null };

/** A reading row as the audit's binary COPY gives it (NULL fields null; no gateway: the three gateway fields null). */
export type ReadingRow = {
  index: number | null;
  id: string;
  dataset: string | null;
  device: string | null;
  seq: number | null;
  observedMs: number | null;
  lon: number | null;
  lat: number | null;
  /** jsonb's text (null when NULL or not jsonb's binary version 1). */
  payload: string | null;
  payloadHash: Uint8Array | null;
  signature: Uint8Array | null;
  gatewayDevice: string | null;
  gatewayBatchRoot: Uint8Array | null;
  gatewaySignature: Uint8Array | null;
  /** A sealed reading's salt (reading.seal_salt, migration 20261207060000_reading_seal_salt), or null. */
  sealSalt: Uint8Array | null;
};

const COPY_SIGNATURE = [80, 71, 67, 79, 80, 89, 10, 255, 13, 10, 0]; // PGCOPY\n\377\r\n\0

/** A big-endian int16 at `at`. */
export const readInt16 = (bytes: Uint8Array, at: number): number => ((bytes[at] << 24) >> 16) | bytes[at + 1];
/** A big-endian int32 at `at`. */
export const readInt32 = (bytes: Uint8Array, at: number): number => (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];

/** A big-endian int8 as a number, or NaN beyond ±2^53. */
export function readInt64(bytes: Uint8Array, at: number): number {
  const high = readInt32(bytes, at);
  const low = readInt32(bytes, at + 4) >>> 0;
  if (high > 0x1fffff || high < -0x200000) return Number.NaN;
  return high * 4294967296 + low;
}

// A big-endian float8 read through one shared 8-byte scratch (no DataView per value).
const float64Scratch = new Float64Array(1);
const float64ScratchBytes = new Uint8Array(float64Scratch.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A big-endian float8 at `at`. */
export function readFloat64(bytes: Uint8Array, at: number): number {
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) float64ScratchBytes[i] = bytes[at + 7 - i];
  else for (let i = 0; i < 8; i++) float64ScratchBytes[i] = bytes[at + i];
  return float64Scratch[0];
}

/** Where the rows start (after the header); throws on anything but binary COPY output. */
function firstRowAt(bytes: Uint8Array): number {
  if (bytes.length < 19) throw new Error("not binary COPY output (too short)");
  for (let i = 0; i < 11; i++) if (bytes[i] !== COPY_SIGNATURE[i]) throw new Error("not binary COPY output (no PGCOPY signature)");
  return 19 + readInt32(bytes, 15);
}

/** Offset just past the row at `row` (its field count first). */
function rowEnd(bytes: Uint8Array, row: number): number {
  const fields = readInt16(bytes, row);
  let at = row + 2;
  for (let f = 0; f < fields; f++) {
    const length = readInt32(bytes, at);
    at += 4 + (length > 0 ? length : 0);
  }
  return at;
}

/**
 * Slots every row of `bytes` by its first field (a leaf index) into rowAt[k] = row offset,
 * for k = index - from in [0, chunk); a second row of one index goes to `duplicates`.
 */
export function slotRowsByLeaf(bytes: Uint8Array, from: number, chunk: number, rowAt: Int32Array, duplicates: number[]): void {
  if (bytes.length === 0) return;
  let row = firstRowAt(bytes);
  for (;;) {
    if (row + 2 > bytes.length) throw new Error("binary COPY output ends early");
    if (readInt16(bytes, row) === -1) return;
    if (readInt32(bytes, row + 2) !== 8) throw new Error("a row without a leaf index");
    const k = readInt64(bytes, row + 6) - from;
    if (!(k >= 0 && k < chunk)) throw new Error(`a row outside leaves ${from}..${from + chunk - 1}: leaf ${k + from}`);
    if (rowAt[k] === -1) rowAt[k] = row;
    else duplicates.push(row);
    row = rowEnd(bytes, row);
    if (row > bytes.length) throw new Error("binary COPY output ends early");
  }
}

/** A field's value offset and length (-1: NULL). */
type FieldSpan = [at: number, length: number];

/** The fields of the row at `row`. */
function rowFields(bytes: Uint8Array, row: number): FieldSpan[] {
  const fields = readInt16(bytes, row);
  const out: FieldSpan[] = [];
  let at = row + 2;
  for (let f = 0; f < fields; f++) {
    const length = readInt32(bytes, at);
    out.push([at + 4, length]);
    at += 4 + (length > 0 ? length : 0);
  }
  return out;
}
const textField = (bytes: Uint8Array, [at, length]: FieldSpan) => (length < 0 ? null : Buffer.from(bytes.buffer, bytes.byteOffset + at, length).toString("utf8"));
// A copy (a view would carry the whole COPY buffer with it to the main thread).
const bytesField = (bytes: Uint8Array, [at, length]: FieldSpan) => (length < 0 ? null : new Uint8Array(bytes.subarray(at, at + length)));
const int8Field = (bytes: Uint8Array, [at, length]: FieldSpan) => (length !== 8 ? null : readInt64(bytes, at));
const float8Field = (bytes: Uint8Array, [at, length]: FieldSpan) => (length !== 8 ? null : new DataView(bytes.buffer, bytes.byteOffset + at, 8).getFloat64(0));

/** The ledger row at `row`, decoded for the full check in audit.ts. */
export function decodeLedgerRow(bytes: Uint8Array, row: number): LedgerRow {
  const f = rowFields(bytes, row);
  if (f.length !== LEDGER_COLUMNS) throw new Error(`a ledger row with ${f.length} fields`);
  return { index: int8Field(bytes, f[0]), kind: textField(bytes, f[1]), entry: bytesField(bytes, f[2]), leafHash: bytesField(bytes, f[3]) };
}

/** The reading row at `row`, decoded for the full check in audit.ts. */
export function decodeReadingRow(bytes: Uint8Array, row: number): ReadingRow {
  const f = rowFields(bytes, row);
  if (f.length !== READING_COLUMNS) throw new Error(`a reading row with ${f.length} fields`);
  const micros = int8Field(bytes, f[5]);
  const [payloadAt, payloadLength] = f[8];
  const payload = payloadLength > 0 && bytes[payloadAt] === 1 ? textField(bytes, [payloadAt + 1, payloadLength - 1]) : null;
  return {
    index: int8Field(bytes, f[0]),
    id: String(int8Field(bytes, f[1])),
    dataset: textField(bytes, f[2]),
    device: textField(bytes, f[3]),
    seq: int8Field(bytes, f[4]),
    // timestamptz(3) holds whole milliseconds; anything else is not what ingest stored.
    observedMs: micros === null ? null : micros / 1000 + PG_EPOCH_MS,
    lon: float8Field(bytes, f[6]),
    lat: float8Field(bytes, f[7]),
    payload,
    payloadHash: bytesField(bytes, f[9]),
    signature: bytesField(bytes, f[10]),
    gatewayDevice: textField(bytes, f[11]),
    gatewayBatchRoot: bytesField(bytes, f[12]),
    gatewaySignature: bytesField(bytes, f[13]),
    sealSalt: bytesField(bytes, f[14]),
  };
}
