// The audit's byte-level fast path of the one reading encoder (lib/ingest/reading-encoding.ts):
// from a reading row in binary COPY (copy-binary.ts) it writes the canonical envelope and
// reading.v1 entry bytes, from the encoder's own templates, without decoding the row into
// strings and objects. It writes only rows of the plain shape (printable-ASCII dataset and
// device, whole-millisecond times in years 1970..9999, flat jsonb values it can print
// canonically) and declines everything else (-1 or false), which audit.ts then checks the
// slow way. reading-row-bytes.test.ts checks its bytes against the reference encoder.
import { Buffer } from "node:buffer";
import { envelopeTemplate, gatewayMemberTemplate, readingEntryTemplate } from "../ingest/reading-encoding";
import { PG_EPOCH_MS, READING_COLUMNS, readFloat64, readInt16, readInt32, readInt64 } from "./copy-binary";

// ---- The templates' fixed parts, as bytes. A mark stands for each member's value; quoted
// members keep their quotes in the fixed parts, since the row holds their bare text.
const MARK = "\u0000";
const QUOTED = `"${MARK}"`;
const latin1Bytes = (s: string) => Uint8Array.from(Buffer.from(s, "latin1"));
const fixedParts = (template: string) => template.split(MARK).map(latin1Bytes);

/** The envelope's fixed parts around dataset, device, lon, lat, observedAt, seq, values. */
const ENVELOPE = fixedParts(envelopeTemplate(QUOTED, QUOTED, MARK, MARK, QUOTED, MARK, MARK));
/** The entry's fixed parts around dataset, device, observedAt, payloadHash, seq, signature (no gateway). */
const ENTRY = fixedParts(readingEntryTemplate(QUOTED, QUOTED, "", QUOTED, QUOTED, MARK, QUOTED));
/** The same with a gateway: around dataset, device, batchRoot, gateway device, gateway signature, observedAt, payloadHash, seq, signature. */
const GATEWAY_ENTRY = fixedParts(readingEntryTemplate(QUOTED, QUOTED, gatewayMemberTemplate(QUOTED, QUOTED, QUOTED), QUOTED, QUOTED, MARK, QUOTED));

const HEX_DIGITS = latin1Bytes("0123456789abcdef");
const BASE64_DIGITS = latin1Bytes("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
const EQUALS = 61;

// ---- Writers: each writes at `at` in `out` and returns the offset past what it wrote (-1: declined).

function writeBytes(out: Uint8Array, at: number, part: Uint8Array): number {
  for (let i = 0; i < part.length; i++) out[at + i] = part[i];
  return at + part.length;
}
function copyBytes(out: Uint8Array, at: number, from: Uint8Array, fromAt: number, length: number): number {
  for (let i = 0; i < length; i++) out[at + i] = from[fromAt + i];
  return at + length;
}
function writeAscii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}
/** A text field JSON writes as it is (printable ASCII but " and \), else -1. */
function copyVerbatimText(out: Uint8Array, at: number, from: Uint8Array, fromAt: number, length: number): number {
  if (length < 0) return -1;
  for (let i = 0; i < length; i++) {
    const c = from[fromAt + i];
    if (c < 32 || c > 126 || c === 34 || c === 92) return -1;
    out[at + i] = c;
  }
  return at + length;
}
function writeHex(out: Uint8Array, at: number, from: Uint8Array, fromAt: number, length: number): number {
  for (let i = 0; i < length; i++) {
    const c = from[fromAt + i];
    out[at++] = HEX_DIGITS[c >> 4];
    out[at++] = HEX_DIGITS[c & 15];
  }
  return at;
}
/** Base64 with padding and no line breaks (Buffer's "base64"). */
function writeBase64(out: Uint8Array, at: number, from: Uint8Array, fromAt: number, length: number): number {
  const whole = fromAt + length - (length % 3);
  let i = fromAt;
  for (; i < whole; i += 3) {
    const v = (from[i] << 16) | (from[i + 1] << 8) | from[i + 2];
    out[at++] = BASE64_DIGITS[v >> 18];
    out[at++] = BASE64_DIGITS[(v >> 12) & 63];
    out[at++] = BASE64_DIGITS[(v >> 6) & 63];
    out[at++] = BASE64_DIGITS[v & 63];
  }
  const rest = length % 3;
  if (rest === 0) return at;
  const v = rest === 1 ? from[i] << 16 : (from[i] << 16) | (from[i + 1] << 8);
  out[at++] = BASE64_DIGITS[v >> 18];
  out[at++] = BASE64_DIGITS[(v >> 12) & 63];
  out[at++] = rest === 1 ? EQUALS : BASE64_DIGITS[(v >> 6) & 63];
  out[at++] = EQUALS;
  return at;
}

/** A non-negative safe integer in decimal, else -1. */
function writeUint(out: Uint8Array, at: number, n: number): number {
  if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER)) return -1;
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    out[at + i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}

const MAX_ISO_MS = 253402300800000; // 10000-01-01T00:00:00.000Z
const writeTwoDigits = (out: Uint8Array, at: number, v: number) => ((out[at] = 48 + ((v / 10) | 0)), (out[at + 1] = 48 + (v % 10)), at + 2);

/** Date.prototype.toISOString's bytes for a millisecond time in years 1970..9999, else -1. */
function writeIsoTime(out: Uint8Array, at: number, ms: number): number {
  if (!Number.isInteger(ms) || ms < 0 || ms >= MAX_ISO_MS) return -1;
  const days = Math.floor(ms / 86400000);
  let rest = ms - days * 86400000;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3600000);
  rest -= hours * 3600000;
  const minutes = Math.floor(rest / 60000);
  rest -= minutes * 60000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  at = writeTwoDigits(out, at, Math.floor(year / 100));
  at = writeTwoDigits(out, at, year % 100);
  out[at++] = 45; // -
  at = writeTwoDigits(out, at, month);
  out[at++] = 45;
  at = writeTwoDigits(out, at, day);
  out[at++] = 84; // T
  at = writeTwoDigits(out, at, hours);
  out[at++] = 58; // :
  at = writeTwoDigits(out, at, minutes);
  out[at++] = 58;
  at = writeTwoDigits(out, at, seconds);
  out[at++] = 46; // .
  out[at++] = 48 + Math.floor(millis / 100);
  at = writeTwoDigits(out, at, millis % 100);
  out[at++] = 90; // Z
  return at;
}

/** Date.prototype.toISOString of an integer millisecond time in years 1970..9999, else toISOString itself (which throws when out of range). */
export function isoFromMs(ms: number): string {
  const out = new Uint8Array(24);
  const end = writeIsoTime(out, 0, ms);
  return end < 0 ? new Date(ms).toISOString() : String.fromCharCode(...out.subarray(0, end));
}

// ---- jsonb's text of flat values, written canonically.

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Is bytes[start..end) a JSON number that ES Number::toString writes back unchanged: no
 * sign on zero, no exponent, no leading or trailing zeros, at most 15 significant digits (so
 * the nearest double prints as the same digits), and within toString's plain notation
 * (1e-6 .. 1e21)?
 */
function isCanonicalNumber(bytes: Uint8Array, start: number, end: number): boolean {
  let i = bytes[start] === 45 ? start + 1 : start;
  if (i >= end) return false;
  if (bytes[i] === 48) {
    // 0 or 0.xxx (not -0, 00, 0.000001x or trailing zeros)
    if (i + 1 === end) return i === start;
    if (bytes[i + 1] !== 46) return false;
    i += 2;
    let leadingZeros = 0;
    while (i < end && bytes[i] === 48) {
      leadingZeros++;
      i++;
    }
    if (i === end || leadingZeros >= 6) return false;
    const digitsStart = i;
    while (i < end && isDigit(bytes[i])) i++;
    return i === end && bytes[end - 1] !== 48 && end - digitsStart <= 15;
  }
  const intStart = i;
  while (i < end && isDigit(bytes[i])) i++;
  const intLength = i - intStart;
  if (intLength === 0 || intLength > 21) return false;
  if (i === end) {
    let significantEnd = end;
    while (bytes[significantEnd - 1] === 48) significantEnd--;
    return significantEnd - intStart <= 15;
  }
  if (bytes[i] !== 46) return false;
  const fractionStart = ++i;
  while (i < end && isDigit(bytes[i])) i++;
  return i === end && i > fractionStart && bytes[end - 1] !== 48 && intLength + (end - fractionStart) <= 15;
}

const MAX_KEYS = 32;
// Per member: where its key's text starts and ends, where its value's starts and ends; the members' canonical order.
const keyStart = new Int32Array(MAX_KEYS);
const keyEnd = new Int32Array(MAX_KEYS);
const valueStart = new Int32Array(MAX_KEYS);
const valueEnd = new Int32Array(MAX_KEYS);
const memberOrder = new Int32Array(MAX_KEYS);

function compareKeys(bytes: Uint8Array, x: number, y: number): number {
  const lengthX = keyEnd[x] - keyStart[x];
  const lengthY = keyEnd[y] - keyStart[y];
  const n = lengthX < lengthY ? lengthX : lengthY;
  for (let i = 0; i < n; i++) {
    const d = bytes[keyStart[x] + i] - bytes[keyStart[y] + i];
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return lengthX === lengthY ? 0 : lengthX < lengthY ? -1 : 1;
}
const isTrue = (b: Uint8Array, i: number, length: number) => length === 4 && b[i] === 116 && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101;
const isFalse = (b: Uint8Array, i: number, length: number) => length === 5 && b[i] === 102 && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101;

/**
 * The canonical JSON of the flat jsonb object whose text (as PostgreSQL prints it: `{"k": v,
 * ...}`, keys in jsonb's order) is bytes[start..end), written at `at`; -1 to decline: nested
 * values, null, numbers isCanonicalNumber refuses, a key that is not printable ASCII (so that
 * byte order is RFC 8785's UTF-16 order), any escape (jsonb escapes with a backslash).
 */
function writeJsonbValues(out: Uint8Array, at: number, bytes: Uint8Array, start: number, end: number): number {
  if (end - start === 2 && bytes[start] === 123 && bytes[start + 1] === 125) {
    out[at] = 123;
    out[at + 1] = 125;
    return at + 2;
  }
  if (end - start < 2 || bytes[start] !== 123 || bytes[end - 1] !== 125) return -1;
  let members = 0;
  let i = start + 1;
  for (;;) {
    if (members === MAX_KEYS || bytes[i] !== 34) return -1;
    let k = i + 1;
    while (k < end && bytes[k] !== 34) {
      if (bytes[k] < 32 || bytes[k] > 126 || bytes[k] === 92) return -1;
      k++;
    }
    if (k >= end || bytes[k + 1] !== 58 || bytes[k + 2] !== 32) return -1;
    keyStart[members] = i + 1;
    keyEnd[members] = k;
    i = k + 3;
    let valueStop: number;
    if (bytes[i] === 34) {
      valueStop = i + 1;
      while (valueStop < end && bytes[valueStop] !== 34) {
        if (bytes[valueStop] === 92) return -1;
        valueStop++;
      }
      if (valueStop >= end) return -1;
      valueStop++;
    } else {
      valueStop = i;
      while (valueStop < end - 1 && bytes[valueStop] !== 44) valueStop++;
      const length = valueStop - i;
      if (!isTrue(bytes, i, length) && !isFalse(bytes, i, length) && !(length > 0 && isCanonicalNumber(bytes, i, valueStop))) return -1;
    }
    valueStart[members] = i;
    valueEnd[members] = valueStop;
    members++;
    i = valueStop;
    if (i === end - 1) break;
    if (bytes[i] !== 44 || bytes[i + 1] !== 32) return -1;
    i += 2;
  }
  // Insertion sort of the members by key (a handful).
  for (let x = 0; x < members; x++) {
    let y = x;
    while (y > 0 && compareKeys(bytes, memberOrder[y - 1], x) > 0) {
      memberOrder[y] = memberOrder[y - 1];
      y--;
    }
    memberOrder[y] = x;
  }
  out[at++] = 123;
  for (let x = 0; x < members; x++) {
    const m = memberOrder[x];
    if (x && compareKeys(bytes, memberOrder[x - 1], m) === 0) return -1;
    if (x) out[at++] = 44;
    out[at++] = 34;
    at = copyBytes(out, at, bytes, keyStart[m], keyEnd[m] - keyStart[m]);
    out[at++] = 34;
    out[at++] = 58;
    at = copyBytes(out, at, bytes, valueStart[m], valueEnd[m] - valueStart[m]);
  }
  out[at++] = 125;
  return at;
}

/**
 * The canonical JSON of a flat jsonb object as PostgreSQL prints it (writeJsonbValues on its
 * UTF-8), or null where the audit's fast path declines it.
 */
export function canonicalJsonbObject(text: string): string | null {
  const bytes = new Uint8Array(Buffer.from(text, "utf8"));
  const out = new Uint8Array(bytes.length + 2);
  const end = writeJsonbValues(out, 0, bytes, 0, bytes.length);
  return end < 0 ? null : Buffer.from(out.buffer, 0, end).toString("utf8");
}

// ---- A reading row, located in its COPY bytes.

/** Where a reading row's fields lie in its COPY bytes (offsets of values; lengths -1 for NULL), and its texts of time and seq. */
export type ReadingRowFields = {
  datasetAt: number;
  datasetLength: number;
  deviceAt: number;
  deviceLength: number;
  lon: number;
  lat: number;
  /** jsonb text, after its version byte: [valuesAt, valuesEnd). */
  valuesAt: number;
  valuesEnd: number;
  /** The stored payload hash (length -1: NULL, derived: see derivedHash). */
  payloadHashAt: number;
  payloadHashLength: number;
  /**
   * The payload hash of a row that stores none (migration 20261207050000): SHA-256 of the
   * envelope writeEnvelope writes, set by the caller (setDerivedHash) before writeReadingEntry.
   */
  readonly derivedHash: Uint8Array;
  derivedHashSet: boolean;
  signatureAt: number;
  signatureLength: number;
  gatewayDeviceAt: number;
  gatewayDeviceLength: number;
  batchRootAt: number;
  batchRootLength: number;
  gatewaySignatureAt: number;
  gatewaySignatureLength: number;
  /** The length of the row's seal_salt (a sealed reading's salt; -1: NULL, a public reading's). */
  sealSaltLength: number;
  /** observed_at in toISOString form. */
  readonly observedAt: Uint8Array;
  /** seq in decimal: seqText[0..seqLength). */
  readonly seqText: Uint8Array;
  seqLength: number;
};

/** A ReadingRowFields to fill (one per thread: locateReadingRow fills it in place). */
export function newReadingRowFields(): ReadingRowFields {
  return {
    datasetAt: 0, datasetLength: -1, deviceAt: 0, deviceLength: -1, lon: 0, lat: 0, valuesAt: 0, valuesEnd: 0, payloadHashAt: 0, payloadHashLength: -1, derivedHash: new Uint8Array(32), derivedHashSet: false,
    signatureAt: 0, signatureLength: -1, gatewayDeviceAt: 0, gatewayDeviceLength: -1, batchRootAt: 0, batchRootLength: -1, gatewaySignatureAt: 0, gatewaySignatureLength: -1, sealSaltLength: -1,
    observedAt: new Uint8Array(24), seqText: new Uint8Array(20), seqLength: 0,
  };
}

/**
 * Fills `fields` from the reading row at `row` in `bytes` (a NULL payload hash is derived:
 * see derivedHash); false when the row is not of the plain shape (a NULL or odd-sized value
 * where a reading has one, a time that is not whole
 * milliseconds in years 1970..9999, a payload that is not jsonb version 1).
 */
export function locateReadingRow(bytes: Uint8Array, row: number, fields: ReadingRowFields): boolean {
  if (readInt16(bytes, row) !== READING_COLUMNS) return false;
  let at = row + 2 + 12 + 12; // leaf_index, id
  fields.datasetLength = readInt32(bytes, at);
  fields.datasetAt = at + 4;
  at = fields.datasetAt + Math.max(0, fields.datasetLength);
  fields.deviceLength = readInt32(bytes, at);
  fields.deviceAt = at + 4;
  at = fields.deviceAt + Math.max(0, fields.deviceLength);
  if (readInt32(bytes, at) !== 8) return false;
  const seq = readInt64(bytes, at + 4);
  at += 12;
  if (readInt32(bytes, at) !== 8) return false;
  const micros = readInt64(bytes, at + 4);
  at += 12;
  if (readInt32(bytes, at) !== 8 || readInt32(bytes, at + 12) !== 8) return false;
  fields.lon = readFloat64(bytes, at + 4);
  fields.lat = readFloat64(bytes, at + 16);
  at += 24;
  const payloadLength = readInt32(bytes, at);
  const payloadAt = at + 4;
  if (payloadLength < 1 || bytes[payloadAt] !== 1) return false;
  fields.valuesAt = payloadAt + 1;
  fields.valuesEnd = payloadAt + payloadLength;
  at = fields.valuesEnd;
  fields.payloadHashLength = readInt32(bytes, at);
  fields.payloadHashAt = at + 4;
  fields.derivedHashSet = false;
  at = fields.payloadHashAt + Math.max(0, fields.payloadHashLength);
  fields.signatureLength = readInt32(bytes, at);
  fields.signatureAt = at + 4;
  if (fields.signatureLength < 0) return false;
  at = fields.signatureAt + fields.signatureLength;
  fields.gatewayDeviceLength = readInt32(bytes, at);
  fields.gatewayDeviceAt = at + 4;
  at = fields.gatewayDeviceAt + Math.max(0, fields.gatewayDeviceLength);
  fields.batchRootLength = readInt32(bytes, at);
  fields.batchRootAt = at + 4;
  at = fields.batchRootAt + Math.max(0, fields.batchRootLength);
  fields.gatewaySignatureLength = readInt32(bytes, at);
  fields.gatewaySignatureAt = at + 4;
  fields.sealSaltLength = readInt32(bytes, fields.gatewaySignatureAt + Math.max(0, fields.gatewaySignatureLength));
  if (micros % 1000 !== 0 || writeIsoTime(fields.observedAt, 0, micros / 1000 + PG_EPOCH_MS) < 0) return false;
  fields.seqLength = writeUint(fields.seqText, 0, seq);
  return fields.seqLength >= 0;
}

/** Whether the row stores its payload hash (rows stored before migration 20261207050000), else it is derived. */
export const storesPayloadHash = (fields: ReadingRowFields): boolean => fields.payloadHashLength >= 0;

/** Sets a row's derived payload hash (32 bytes from `digest`, a latin1 string), which writeReadingEntry then writes. */
export function setDerivedHash(fields: ReadingRowFields, digest: string): void {
  for (let i = 0; i < 32; i++) fields.derivedHash[i] = digest.charCodeAt(i);
  fields.derivedHashSet = true;
}

/** Whether the row's reading came through a gateway (its gateway device is not NULL). */
export const viaGateway = (fields: ReadingRowFields): boolean => fields.gatewayDeviceLength >= 0;

/** Room enough in `out` for the envelope or entry of this row. */
export function bytesNeeded(fields: ReadingRowFields): number {
  const texts = 2 * Math.max(0, fields.datasetLength) + 2 * Math.max(0, fields.deviceLength) + Math.max(0, fields.gatewayDeviceLength);
  const binary = 2 * Math.max(32, fields.payloadHashLength) + 2 * Math.max(0, fields.batchRootLength) + 2 * Math.max(0, fields.signatureLength) + 2 * Math.max(0, fields.gatewaySignatureLength);
  return 400 + texts + binary + (fields.valuesEnd - fields.valuesAt);
}

// JSON's text of a finite number (ES Number::toString, RFC 8785's form), remembered: a
// device's coordinates repeat in reading after reading, and the conversion is not cheap.
const numberTexts = new Map<number, string>();
function numberText(n: number): string {
  let text = numberTexts.get(n);
  if (text === undefined) {
    if (numberTexts.size >= 65536) numberTexts.clear();
    text = JSON.stringify(n);
    numberTexts.set(n, text);
  }
  return text;
}

/** Both forms begin with dataset and device (RFC 8785 order): parts[0], dataset, parts[1], device, parts[2]; -1 to decline. */
function writeDatasetAndDevice(out: Uint8Array, parts: readonly Uint8Array[], bytes: Uint8Array, fields: ReadingRowFields): number {
  let at = writeBytes(out, 0, parts[0]);
  at = copyVerbatimText(out, at, bytes, fields.datasetAt, fields.datasetLength);
  if (at < 0) return -1;
  at = writeBytes(out, at, parts[1]);
  at = copyVerbatimText(out, at, bytes, fields.deviceAt, fields.deviceLength);
  return at < 0 ? -1 : writeBytes(out, at, parts[2]);
}

/**
 * The canonical envelope of the row (envelopeTemplate's bytes), written at 0 in `out`
 * (bytesNeeded long at least); returns its length, or -1 to decline.
 */
export function writeEnvelope(out: Uint8Array, bytes: Uint8Array, fields: ReadingRowFields): number {
  if (!Number.isFinite(fields.lon) || !Number.isFinite(fields.lat)) return -1;
  let at = writeDatasetAndDevice(out, ENVELOPE, bytes, fields);
  if (at < 0) return -1;
  at = writeAscii(out, at, numberText(fields.lon));
  at = writeBytes(out, at, ENVELOPE[3]);
  at = writeAscii(out, at, numberText(fields.lat));
  at = writeBytes(out, at, ENVELOPE[4]);
  at = writeBytes(out, at, fields.observedAt);
  at = writeBytes(out, at, ENVELOPE[5]);
  at = copyBytes(out, at, fields.seqText, 0, fields.seqLength);
  at = writeBytes(out, at, ENVELOPE[6]);
  at = writeJsonbValues(out, at, bytes, fields.valuesAt, fields.valuesEnd);
  if (at < 0) return -1;
  return writeBytes(out, at, ENVELOPE[7]);
}

/**
 * The canonical reading.v1 entry of the row (readingEntryTemplate's bytes), written at 0 in
 * `out` (bytesNeeded long at least); returns its length, or -1 to decline.
 */
export function writeReadingEntry(out: Uint8Array, bytes: Uint8Array, fields: ReadingRowFields): number {
  if (!storesPayloadHash(fields) && !fields.derivedHashSet) return -1;
  const gateway = viaGateway(fields);
  if (gateway ? fields.gatewayDeviceLength === 0 || fields.batchRootLength < 0 || fields.gatewaySignatureLength < 0 : fields.batchRootLength >= 0 || fields.gatewaySignatureLength >= 0) return -1;
  const parts = gateway ? GATEWAY_ENTRY : ENTRY;
  let part = 3;
  let at = writeDatasetAndDevice(out, parts, bytes, fields);
  if (at < 0) return -1;
  if (gateway) {
    at = writeHex(out, at, bytes, fields.batchRootAt, fields.batchRootLength);
    at = writeBytes(out, at, parts[part++]);
    at = copyVerbatimText(out, at, bytes, fields.gatewayDeviceAt, fields.gatewayDeviceLength);
    if (at < 0) return -1;
    at = writeBytes(out, at, parts[part++]);
    at = writeBase64(out, at, bytes, fields.gatewaySignatureAt, fields.gatewaySignatureLength);
    at = writeBytes(out, at, parts[part++]);
  }
  at = writeBytes(out, at, fields.observedAt);
  at = writeBytes(out, at, parts[part++]);
  at = storesPayloadHash(fields) ? writeHex(out, at, bytes, fields.payloadHashAt, fields.payloadHashLength) : writeHex(out, at, fields.derivedHash, 0, 32);
  at = writeBytes(out, at, parts[part++]);
  at = copyBytes(out, at, fields.seqText, 0, fields.seqLength);
  at = writeBytes(out, at, parts[part++]);
  at = writeBase64(out, at, bytes, fields.signatureAt, fields.signatureLength);
  return writeBytes(out, at, parts[part++]);
}
