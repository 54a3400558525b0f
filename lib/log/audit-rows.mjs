// The audit's per-row fast path, in plain JavaScript on node:crypto only, so that the same
// file runs on the main thread (tsx, vitest, Next.js bundles) and in the audit's worker
// threads (lib/log/audit-worker.mjs, loaded by path, untranspiled).
//
// verifyRange() checks one leaf-index range, read as binary COPY (bytes as they are stored,
// no text encoding), and says "fine" for a row only when the full check in audit.ts would
// find nothing wrong with it; every other row (a mismatch, a non-reading entry, a value
// outside the plain reading shape) is handed back to audit.ts, decoded, which checks it
// again and names what differs. So this file decides nothing on its own: it can only spare
// the main thread rows that are fine. It computes every leaf hash itself, from the stored
// entry's bytes (never the stored leaf_hash), and the range's part of the tree from those.
// A reading is fine only when its device's Ed25519 signature over the envelope verifies
// under a key the device held (deviceKeyring below); audit.ts uses the same functions.
import { createPublicKey, hash, verify } from "node:crypto";
import { Buffer } from "node:buffer";

const SURROGATE = /[\uD800-\uDFFF]/;
// Strings JSON.stringify writes as they are, between quotes.
// eslint-disable-next-line no-control-regex -- control characters are what JSON.stringify escapes
const PLAIN = /^[^"\\\u0000-\u001f\uD800-\uDFFF]*$/;

// JSON.stringify gives RFC 8785's bytes for finite numbers (ES Number::toString) and for
// strings without lone surrogates; anything else returns null and takes the generic path.
function str(s) {
  if (typeof s !== "string") return null;
  if (PLAIN.test(s)) return `"${s}"`;
  return SURROGATE.test(s) ? null : JSON.stringify(s);
}
function num(n) {
  return typeof n === "number" && Number.isFinite(n) ? JSON.stringify(n) : null;
}
function val(v) {
  if (typeof v === "string") return str(v);
  if (typeof v === "number") return num(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return null;
}
function values(vs) {
  if (typeof vs !== "object" || vs === null || Array.isArray(vs)) return null;
  const proto = Object.getPrototypeOf(vs);
  if (proto !== Object.prototype && proto !== null) return null;
  const keys = Object.keys(vs).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const k = str(keys[i]);
    const v = val(vs[keys[i]]);
    if (k === null || v === null) return null;
    out += (i ? "," : "") + k + ":" + v;
  }
  return out + "}";
}

/**
 * RFC 8785 canonical JSON of a reading envelope whose values are flat strings, finite
 * numbers and booleans; null for anything else (the caller then uses the generic
 * canonicaliser). reading-canonical.ts wraps this; its tests compare it with canonicalJson.
 */
export function fastCanonicalEnvelope(e) {
  const loc = e.location;
  if (!Array.isArray(loc) || loc.length !== 2) return null;
  const ds = str(e.dataset), dv = str(e.device), lon = num(loc[0]), lat = num(loc[1]), at = str(e.observedAt), seq = num(e.seq), vs = values(e.values);
  if (ds === null || dv === null || lon === null || lat === null || at === null || seq === null || vs === null) return null;
  return `{"dataset":${ds},"device":${dv},"location":[${lon},${lat}],"observedAt":${at},"seq":${seq},"values":${vs}}`;
}

/** RFC 8785 canonical JSON of a reading.v1 entry of the plain shape, or null (see fastCanonicalEnvelope). */
export function fastCanonicalReadingEntry(e) {
  const g = e.gateway;
  if (e.kind !== "reading.v1" || Object.keys(e).length !== (g ? 8 : 7)) return null;
  const ds = str(e.dataset), dv = str(e.device), at = str(e.observedAt), ph = str(e.payloadHash), seq = num(e.seq), sig = str(e.signature);
  if (ds === null || dv === null || at === null || ph === null || seq === null || sig === null) return null;
  let gateway = "";
  if (g) {
    if (typeof g !== "object" || Object.keys(g).length !== 3) return null;
    const br = str(g.batchRoot), gd = str(g.device), gs = str(g.signature);
    if (br === null || gd === null || gs === null) return null;
    gateway = `"gateway":{"batchRoot":${br},"device":${gd},"signature":${gs}},`;
  }
  return `{"dataset":${ds},"device":${dv},${gateway}"kind":"reading.v1","observedAt":${at},"payloadHash":${ph},"seq":${seq},"signature":${sig}}`;
}

const MAX_ISO_MS = 253402300800000; // 10000-01-01T00:00:00.000Z

/** Date.prototype.toISOString of an integer millisecond time in years 1970..9999, else toISOString itself (which throws when out of range). */
export function isoFromMs(ms) {
  const out = new Uint8Array(24);
  const end = putIso(out, 0, ms);
  return end < 0 ? new Date(ms).toISOString() : String.fromCharCode(...out.subarray(0, end));
}

// A JSON number that ES Number::toString writes back unchanged: no sign on zero, no
// exponent, no leading or trailing zeros, at most 15 significant digits (so the nearest
// double prints as the same digits), and within toString's plain notation (1e-6 .. 1e21).
const isDigit = (c) => c >= 48 && c <= 57;
function safeNumber(t) {
  const n = t.length;
  let i = t.charCodeAt(0) === 45 ? 1 : 0;
  if (i >= n) return false;
  if (t.charCodeAt(i) === 48) {
    // 0 or 0.xxx (not -0, 00, 0.000001x or trailing zeros)
    if (i + 1 === n) return i === 0;
    if (t.charCodeAt(i + 1) !== 46) return false;
    i += 2;
    let lead = 0;
    while (i < n && t.charCodeAt(i) === 48) {
      lead++;
      i++;
    }
    if (i === n || lead >= 6) return false;
    const start = i;
    while (i < n && isDigit(t.charCodeAt(i))) i++;
    return i === n && t.charCodeAt(n - 1) !== 48 && n - start <= 15;
  }
  const intStart = i;
  while (i < n && isDigit(t.charCodeAt(i))) i++;
  const intLen = i - intStart;
  if (intLen === 0 || intLen > 21) return false;
  if (i === n) {
    let end = n;
    while (t.charCodeAt(end - 1) === 48) end--;
    return end - intStart <= 15;
  }
  if (t.charCodeAt(i) !== 46) return false;
  const fracStart = ++i;
  while (i < n && isDigit(t.charCodeAt(i))) i++;
  return i === n && i > fracStart && t.charCodeAt(n - 1) !== 48 && intLen + (n - fracStart) <= 15;
}

/**
 * The canonical JSON of a flat jsonb object as PostgreSQL prints it (`{"k": v, ...}`, keys
 * in jsonb's order), without JSON.parse, or null for anything else: nested values, null,
 * numbers outside safeNumber. Requires text with no backslash (no escapes anywhere), so
 * every string is written as JSON.stringify would write it.
 */
export function canonicalJsonbObject(p) {
  if (p === "{}") return "{}";
  if (p.charCodeAt(0) !== 123 || p.charCodeAt(p.length - 1) !== 125 || p.indexOf("\\") >= 0) return null;
  const keys = [];
  const vals = [];
  let i = 1;
  for (;;) {
    if (p.charCodeAt(i) !== 34) return null;
    const ke = p.indexOf('"', i + 1);
    if (ke < 0 || p.charCodeAt(ke + 1) !== 58 || p.charCodeAt(ke + 2) !== 32) return null;
    keys.push(p.slice(i + 1, ke));
    i = ke + 3;
    let end;
    if (p.charCodeAt(i) === 34) {
      end = p.indexOf('"', i + 1) + 1;
      if (end <= 0) return null;
      vals.push(p.slice(i, end));
    } else {
      const comma = p.indexOf(",", i);
      end = comma < 0 ? p.length - 1 : comma;
      const t = p.slice(i, end);
      if (t !== "true" && t !== "false" && !safeNumber(t)) return null;
      vals.push(t);
    }
    i = end;
    if (i === p.length - 1) break;
    if (p.charCodeAt(i) !== 44 || p.charCodeAt(i + 1) !== 32) return null;
    i += 2;
  }
  const order = keys.map((_, k) => k);
  if (keys.length > 1) order.sort((x, y) => (keys[x] < keys[y] ? -1 : keys[x] > keys[y] ? 1 : 0));
  let out = "{";
  for (let k = 0; k < order.length; k++) {
    if (k && keys[order[k]] === keys[order[k - 1]]) return null;
    out += (k ? ',"' : '"') + keys[order[k]] + '":' + vals[order[k]];
  }
  return out + "}";
}


// ---- Device signatures ------------------------------------------------------------------
// A reading's `signature` is the device's Ed25519 signature over the canonical envelope
// bytes (lib/ingest/envelope.ts envelopeBytes: RFC 8785 JSON of device, dataset, location,
// observedAt, seq, values), the very bytes whose SHA-256 is the payload hash. The keys come
// from the device key history (device_key), whose validity is an interval of leaves, not of
// time: a key is put in by the device.v1 entry at valid_from_leaf and retired (rotated out
// or revoked) by the one at valid_until_leaf. Leaves are the console's own order and on the
// ledger; observedAt is only what the device claims. So a key may sign a reading sequenced
// at leaf L when valid_from_leaf < L and:
//  - L < valid_until_leaf (or the key is still current): the key the device held at L. For
//    readings sent directly this is the only one: intake verifies with the current key and
//    commit refuses a reading whose key was rotated or revoked in flight (lib/ingest/commit.ts);
//  - or, for a reading a gateway carried, any earlier key not retired by revocation: the
//    gateway vouches for its devices' signatures and intake checks only a sample of them,
//    so a reading signed just before its device's key was rotated, and carried after, is
//    stored (check-message.ts); it is still the device's own signature. A revoked device's
//    readings are refused whatever they carry, so a revoked key never signs a stored one.
// audit-state.ts checks device_key against the device.v1 entries, so these keys are the
// ledger's (a key row added behind the ledger's back is named there).

/**
 * The device key history in a form that crosses to worker threads cheaply: per key its
 * device, valid_from_leaf, valid_until_leaf (-1 while current), whether revocation retired
 * it, and its 32-byte public key (keys of another length are marked unusable).
 * `rows`: { device, fromLeaf, untilLeaf (null while current), retiredBy, publicKey }.
 */
export function packDeviceKeys(rows) {
  const n = rows.length;
  const packed = { device: new Array(n), fromLeaf: new Float64Array(n), untilLeaf: new Float64Array(n), flags: new Uint8Array(n), publicKeys: new Uint8Array(32 * n) };
  rows.forEach((k, i) => {
    packed.device[i] = k.device;
    packed.fromLeaf[i] = Number(k.fromLeaf);
    packed.untilLeaf[i] = k.untilLeaf === null || k.untilLeaf === undefined ? -1 : Number(k.untilLeaf);
    const usable = k.publicKey instanceof Uint8Array && k.publicKey.length === 32;
    packed.flags[i] = (k.retiredBy === "revoke" ? 1 : 0) | (usable ? 0 : 2);
    if (usable) packed.publicKeys.set(k.publicKey, 32 * i);
  });
  return packed;
}

/** The keys of packDeviceKeys by device, newest first; each key's verifier made on first use and kept. */
export function deviceKeyring(packed) {
  const byDevice = new Map();
  const n = packed ? packed.device.length : 0;
  for (let i = 0; i < n; i++) {
    const key = {
      from: packed.fromLeaf[i],
      until: packed.untilLeaf[i] < 0 ? Infinity : packed.untilLeaf[i],
      revoked: (packed.flags[i] & 1) === 1,
      raw: (packed.flags[i] & 2) === 2 ? null : packed.publicKeys.slice(32 * i, 32 * i + 32),
      obj: undefined,
    };
    const list = byDevice.get(packed.device[i]);
    if (list) list.push(key);
    else byDevice.set(packed.device[i], [key]);
  }
  for (const list of byDevice.values()) list.sort((a, b) => b.from - a.from);
  return { byDevice };
}

/** Replaces one device's keys in a keyring (audit.ts reads them again before naming a reading). */
export function setDeviceKeys(ring, device, rows) {
  const fresh = deviceKeyring(packDeviceKeys(rows)).byDevice.get(device);
  if (fresh) ring.byDevice.set(device, fresh);
  else ring.byDevice.delete(device);
}

// libsodium (sodium-native) when it loads, as the intake verifies (lib/ingest/verifier.ts):
// about twice node:crypto's rate, and the same verifier intake accepted the readings with.
// Taken at run time from the project's node_modules, out of any bundler's sight.
let sodiumLoaded;
function sodium() {
  if (sodiumLoaded !== undefined) return sodiumLoaded;
  try {
    const { createRequire } = process.getBuiltinModule("node:module");
    const s = createRequire(`${process.cwd()}/package.json`)(["sodium", "native"].join("-"));
    sodiumLoaded = typeof s.crypto_sign_verify_detached === "function" ? s : null;
  } catch {
    sodiumLoaded = null;
  }
  return sodiumLoaded;
}
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** Which Ed25519 verifier the signature checks use here: "libsodium" or "node:crypto". */
export function ed25519Implementation() {
  return sodium() ? "libsodium" : "node:crypto";
}

/** Ed25519 verification under one keyring key; never throws. node:crypto's KeyObject is made once per key. */
function ed25519(key, message, signature) {
  if (key.raw === null || signature === null || signature.length !== 64) return false;
  const s = sodium();
  if (s) {
    try {
      return s.crypto_sign_verify_detached(signature, message, key.raw);
    } catch {
      return false;
    }
  }
  if (key.obj === undefined) {
    try {
      key.obj = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, key.raw]), format: "der", type: "spki" });
    } catch {
      key.obj = null;
    }
  }
  if (key.obj === null) return false;
  try {
    return verify(null, message, key.obj, signature);
  } catch {
    return false;
  }
}

/** May `key` sign a reading sequenced at `leaf` (see the rule above)? */
function mayHaveSigned(key, leaf, viaGateway) {
  return key.from < leaf && (leaf < key.until || (viaGateway && !key.revoked));
}

/**
 * True when `signature` over `message` (the canonical envelope bytes) verifies under a key
 * device `device` held for a reading at leaf `leaf` (`viaGateway`: a gateway carried it).
 */
export function deviceSignatureOk(ring, device, leaf, viaGateway, message, signature) {
  const keys = ring?.byDevice.get(device);
  if (!keys) return false;
  for (const k of keys) if (mayHaveSigned(k, leaf, viaGateway) && ed25519(k, message, signature)) return true;
  return false;
}

/** As deviceSignatureOk, but says why not (null: the signature is fine). */
export function deviceSignatureProblem(ring, device, leaf, viaGateway, message, signature) {
  if (deviceSignatureOk(ring, device, leaf, viaGateway, message, signature)) return null;
  const keys = ring?.byDevice.get(device) ?? [];
  if (signature === null) return "the reading has no signature";
  if (signature.length !== 64) return `the signature is ${signature.length} bytes, not an Ed25519 signature (64)`;
  if (keys.length === 0) return `device ${device} has no key in the device key history (device_key): its signature cannot be verified`;
  const other = keys.find((k) => ed25519(k, message, signature));
  if (other) {
    if (!(other.from < leaf)) return `the signature verifies only under a key device ${device} was given at leaf ${other.from}, after this reading (leaf ${leaf})`;
    const why = viaGateway ? "" : "; a reading sent directly must be signed with the key its device held when it was sequenced";
    return `the signature verifies only under a key device ${device} had until it was ${other.revoked ? "revoked" : "rotated out"} at leaf ${other.until}, before this reading was sequenced (leaf ${leaf})${why}`;
  }
  return `the device's signature does not verify under any key device ${device} has had (${keys.length} in its key history)`;
}

// ---- Binary COPY ------------------------------------------------------------------------
// PostgreSQL's binary COPY format: an 11-byte signature, a 32-bit flags field and a 32-bit
// header extension length (and extension), then per row a 16-bit field count and each field
// as a 32-bit length (-1 for NULL) and its binary value; -1 as a field count ends the data.
// Values: int8 big-endian; text as UTF-8 bytes; bytea raw; float8 IEEE big-endian;
// timestamptz as int8 microseconds since 2000-01-01 UTC; jsonb as a version byte (1) and text.

// The columns of the two SELECTs audit.ts writes (ledgerSelect, readingSelect).
const LEDGER_COLUMNS = 4; // leaf_index, kind, entry, leaf_hash
const READING_COLUMNS = 14; // leaf_index, id, dataset_id, device_id, seq, observed_at, lon, lat, payload, payload_hash, signature, gateway device, batch root, gateway signature (NULL for none)

const SIGNATURE = [80, 71, 67, 79, 80, 89, 10, 255, 13, 10, 0]; // PGCOPY\n\377\r\n\0
const PG_EPOCH_MS = 946684800000; // 2000-01-01T00:00:00Z

const i16 = (b, p) => ((b[p] << 24) >> 16) | b[p + 1];
const i32 = (b, p) => (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
/** A big-endian int8 as a number, or NaN beyond ±2^53. */
function i64(b, p) {
  const hi = i32(b, p);
  const lo = i32(b, p + 4) >>> 0;
  if (hi > 0x1fffff || hi < -0x200000) return Number.NaN;
  return hi * 4294967296 + lo;
}

/** Where the rows start (after the header); throws on anything but binary COPY output. */
function dataStart(b) {
  if (b.length < 19) throw new Error("not binary COPY output (too short)");
  for (let i = 0; i < 11; i++) if (b[i] !== SIGNATURE[i]) throw new Error("not binary COPY output (no PGCOPY signature)");
  return 19 + i32(b, 15);
}

/** Offset just past the row at `p` (its field count first). */
function rowEnd(b, p) {
  const n = i16(b, p);
  p += 2;
  for (let f = 0; f < n; f++) {
    const len = i32(b, p);
    p += 4 + (len > 0 ? len : 0);
  }
  return p;
}

/**
 * Slots every row of `b` by its first field (a leaf index) into at[k] = row offset, for
 * k = index - from in [0, chunk); a second row of one index goes to `dups`.
 */
function slotRows(b, from, chunk, at, dups) {
  if (b.length === 0) return;
  let p = dataStart(b);
  for (;;) {
    if (p + 2 > b.length) throw new Error("binary COPY output ends early");
    if (i16(b, p) === -1) return;
    if (i32(b, p + 2) !== 8) throw new Error("a row without a leaf index");
    const k = i64(b, p + 6) - from;
    if (!(k >= 0 && k < chunk)) throw new Error(`a row outside leaves ${from}..${from + chunk - 1}: leaf ${k + from}`);
    if (at[k] === -1) at[k] = p;
    else dups.push(p);
    p = rowEnd(b, p);
    if (p > b.length) throw new Error("binary COPY output ends early");
  }
}

/** The fields of the row at `p` as [offset, length] pairs (length -1: NULL). */
function rowFields(b, p) {
  const n = i16(b, p);
  const out = [];
  p += 2;
  for (let f = 0; f < n; f++) {
    const len = i32(b, p);
    out.push([p + 4, len]);
    p += 4 + (len > 0 ? len : 0);
  }
  return out;
}
const utf8At = (b, [at, len]) => (len < 0 ? null : Buffer.from(b.buffer, b.byteOffset + at, len).toString("utf8"));
// A copy (a view would carry the whole COPY buffer with it to the main thread).
const bytesAt = (b, [at, len]) => (len < 0 ? null : new Uint8Array(b.subarray(at, at + len)));
const int8At = (b, [at, len]) => (len !== 8 ? null : i64(b, at));
const float8At = (b, [at, len]) => (len !== 8 ? null : new DataView(b.buffer, b.byteOffset + at, 8).getFloat64(0));

/** A ledger row decoded for the full check in audit.ts (see LedgerRow in audit-rows.d.mts). */
function decodeLedgerRow(b, p) {
  const f = rowFields(b, p);
  if (f.length !== LEDGER_COLUMNS) throw new Error(`a ledger row with ${f.length} fields`);
  return { index: int8At(b, f[0]), kind: utf8At(b, f[1]), entry: bytesAt(b, f[2]), leafHash: bytesAt(b, f[3]) };
}

/** A reading row decoded for the full check in audit.ts (see ReadingRow in audit-rows.d.mts). */
function decodeReadingRow(b, p) {
  const f = rowFields(b, p);
  if (f.length !== READING_COLUMNS) throw new Error(`a reading row with ${f.length} fields`);
  const us = int8At(b, f[5]);
  const payload = f[8][1] > 0 && b[f[8][0]] === 1 ? utf8At(b, [f[8][0] + 1, f[8][1] - 1]) : null;
  return {
    index: int8At(b, f[0]),
    id: String(int8At(b, f[1])),
    dataset: utf8At(b, f[2]),
    device: utf8At(b, f[3]),
    seq: int8At(b, f[4]),
    // timestamptz(3) holds whole milliseconds; anything else is not what ingest stored.
    observedMs: us === null ? null : us / 1000 + PG_EPOCH_MS,
    lon: float8At(b, f[6]),
    lat: float8At(b, f[7]),
    payload,
    payloadHash: bytesAt(b, f[9]),
    signature: bytesAt(b, f[10]),
    gDevice: utf8At(b, f[11]),
    gRoot: bytesAt(b, f[12]),
    gSignature: bytesAt(b, f[13]),
  };
}

// ---- Writing the expected bytes ---------------------------------------------------------
const lit = (s) => Uint8Array.from(Buffer.from(s, "latin1"));
const L_DATASET = lit('{"dataset":"');
const L_DEVICE = lit('","device":"');
const L_AFTER_DEVICE = lit('",');
const L_GATEWAY = lit('"gateway":{"batchRoot":"');
const L_G_DEVICE = lit('","device":"');
const L_G_SIGNATURE = lit('","signature":"');
const L_G_END = lit('"},');
const L_KIND = lit('"kind":"reading.v1","observedAt":"');
const L_PAYLOAD_HASH = lit('","payloadHash":"');
const L_SEQ = lit('","seq":');
const L_SIGNATURE = lit(',"signature":"');
const L_END = lit('"}');
const L_LOCATION = lit('","location":[');
const L_OBSERVED = lit('],"observedAt":"');
const L_ENV_SEQ = lit('","seq":');
const L_VALUES = lit(',"values":');
const KIND_READING = lit("reading.v1");
const HEX = lit("0123456789abcdef");
const B64 = lit("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

function put(out, at, l) {
  for (let i = 0; i < l.length; i++) out[at + i] = l[i];
  return at + l.length;
}
/** A non-negative safe integer in decimal, or -1. */
function putUint(out, at, n) {
  if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER)) return -1;
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    out[at + i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}
function putAscii(out, at, s) {
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  return at + s.length;
}
const put2 = (out, at, v) => ((out[at] = 48 + ((v / 10) | 0)), (out[at + 1] = 48 + (v % 10)), at + 2);
/** Date.prototype.toISOString's bytes for a millisecond time in years 1970..9999, or -1. */
function putIso(out, at, ms) {
  if (!Number.isInteger(ms) || ms < 0 || ms >= MAX_ISO_MS) return -1;
  const days = Math.floor(ms / 86400000);
  let rem = ms - days * 86400000;
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const h = Math.floor(rem / 3600000);
  rem -= h * 3600000;
  const mi = Math.floor(rem / 60000);
  rem -= mi * 60000;
  const sec = Math.floor(rem / 1000);
  const msr = rem - sec * 1000;
  at = put2(out, at, Math.floor(y / 100));
  at = put2(out, at, y % 100);
  out[at++] = 45;
  at = put2(out, at, m);
  out[at++] = 45;
  at = put2(out, at, d);
  out[at++] = 84;
  at = put2(out, at, h);
  out[at++] = 58;
  at = put2(out, at, mi);
  out[at++] = 58;
  at = put2(out, at, sec);
  out[at++] = 46;
  out[at++] = 48 + Math.floor(msr / 100);
  at = put2(out, at, msr % 100);
  out[at++] = 90;
  return at;
}

// safeNumber on bytes b[s..e).
function safeNumberBytes(b, s, e) {
  let i = b[s] === 45 ? s + 1 : s;
  if (i >= e) return false;
  if (b[i] === 48) {
    if (i + 1 === e) return i === s;
    if (b[i + 1] !== 46) return false;
    i += 2;
    let lead = 0;
    while (i < e && b[i] === 48) {
      lead++;
      i++;
    }
    if (i === e || lead >= 6) return false;
    const start = i;
    while (i < e && isDigit(b[i])) i++;
    return i === e && b[e - 1] !== 48 && e - start <= 15;
  }
  const intStart = i;
  while (i < e && isDigit(b[i])) i++;
  const intLen = i - intStart;
  if (intLen === 0 || intLen > 21) return false;
  if (i === e) {
    let end = e;
    while (b[end - 1] === 48) end--;
    return end - intStart <= 15;
  }
  if (b[i] !== 46) return false;
  const fracStart = ++i;
  while (i < e && isDigit(b[i])) i++;
  return i === e && i > fracStart && b[e - 1] !== 48 && intLen + (e - fracStart) <= 15;
}

const MAX_KEYS = 32;
const ks = new Int32Array(MAX_KEYS), ke = new Int32Array(MAX_KEYS), vs = new Int32Array(MAX_KEYS), ve = new Int32Array(MAX_KEYS), ord = new Int32Array(MAX_KEYS);
function keyLess(b, x, y) {
  const lx = ke[x] - ks[x], ly = ke[y] - ks[y];
  const n = lx < ly ? lx : ly;
  for (let i = 0; i < n; i++) {
    const d = b[ks[x] + i] - b[ks[y] + i];
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return lx === ly ? 0 : lx < ly ? -1 : 1;
}
/**
 * canonicalJsonbObject on the bytes b[s..e) of jsonb's text, written to out at `at`; returns
 * the end, or -1 to decline. Keys must be printable ASCII (so that byte order is RFC 8785's
 * UTF-16 order); strings may hold any UTF-8 but no escape (jsonb escapes with a backslash).
 */
function putJsonbObject(out, at, b, s, e) {
  if (e - s === 2 && b[s] === 123 && b[s + 1] === 125) {
    out[at] = 123;
    out[at + 1] = 125;
    return at + 2;
  }
  if (e - s < 2 || b[s] !== 123 || b[e - 1] !== 125) return -1;
  let n = 0;
  let i = s + 1;
  for (;;) {
    if (n === MAX_KEYS || b[i] !== 34) return -1;
    let k = i + 1;
    while (k < e && b[k] !== 34) {
      if (b[k] < 32 || b[k] > 126 || b[k] === 92) return -1;
      k++;
    }
    if (k >= e || b[k + 1] !== 58 || b[k + 2] !== 32) return -1;
    ks[n] = i + 1;
    ke[n] = k;
    i = k + 3;
    let end;
    if (b[i] === 34) {
      end = i + 1;
      while (end < e && b[end] !== 34) {
        if (b[end] === 92) return -1;
        end++;
      }
      if (end >= e) return -1;
      end++;
    } else {
      end = i;
      while (end < e - 1 && b[end] !== 44) end++;
      const len = end - i;
      const t = len === 4 && b[i] === 116 && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101;
      const f = len === 5 && b[i] === 102 && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101;
      if (!t && !f && !(len > 0 && safeNumberBytes(b, i, end))) return -1;
    }
    vs[n] = i;
    ve[n] = end;
    n++;
    i = end;
    if (i === e - 1) break;
    if (b[i] !== 44 || b[i + 1] !== 32) return -1;
    i += 2;
  }
  // Insertion sort of the keys (a handful).
  for (let x = 0; x < n; x++) {
    let y = x;
    while (y > 0 && keyLess(b, ord[y - 1], x) > 0) {
      ord[y] = ord[y - 1];
      y--;
    }
    ord[y] = x;
  }
  out[at++] = 123;
  for (let x = 0; x < n; x++) {
    const k = ord[x];
    if (x && keyLess(b, ord[x - 1], k) === 0) return -1;
    if (x) out[at++] = 44;
    out[at++] = 34;
    for (let j = ks[k]; j < ke[k]; j++) out[at++] = b[j];
    out[at++] = 34;
    out[at++] = 58;
    for (let j = vs[k]; j < ve[k]; j++) out[at++] = b[j];
  }
  out[at++] = 125;
  return at;
}

// Scratch space: the envelope, a tree node.
let V = new Uint8Array(4096);
const NODE = Buffer.alloc(65);
NODE[0] = 1;

// A big-endian float8 read through one shared 8-byte scratch (no DataView per value).
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
function f8(b, p) {
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) F64_BYTES[i] = b[p + 7 - i];
  else for (let i = 0; i < 8; i++) F64_BYTES[i] = b[p + i];
  return F64[0];
}
// JSON's text of a finite number (ES Number::toString, RFC 8785's form), remembered: a
// device's coordinates repeat from reading to reading, and the conversion is not cheap.
const numberTexts = new Map();
function numberText(n) {
  let t = numberTexts.get(n);
  if (t === undefined) {
    if (numberTexts.size >= 65536) numberTexts.clear();
    t = JSON.stringify(n);
    numberTexts.set(n, t);
  }
  return t;
}

/** Equal bytes of a latin1 digest string and b[p..p+32). */
function digestIs(d, b, p, len) {
  if (len !== 32) return false;
  for (let i = 0; i < 32; i++) if (d.charCodeAt(i) !== b[p + i]) return false;
  return true;
}

// Matching the stored entry in place, byte by byte, against what the reading row says it
// must be. Each returns the offset past the match, or -1.
function eqLit(b, p, l) {
  for (let i = 0; i < l.length; i++) if (b[p + i] !== l[i]) return -1;
  return p + l.length;
}
/** A text field JSON writes as it is (printable ASCII but " and \). */
function eqPlain(b, p, r, at, len) {
  if (len < 0) return -1;
  for (let i = 0; i < len; i++) {
    const c = r[at + i];
    if (c < 32 || c > 126 || c === 34 || c === 92 || b[p + i] !== c) return -1;
  }
  return p + len;
}
function eqHex(b, p, r, at, len) {
  for (let i = 0; i < len; i++) {
    const c = r[at + i];
    if (b[p] !== HEX[c >> 4] || b[p + 1] !== HEX[c & 15]) return -1;
    p += 2;
  }
  return p;
}
/** Base64 with padding and no line breaks (Buffer's "base64"). */
function eqB64(b, p, r, at, len) {
  const end = at + len - (len % 3);
  for (; at < end; at += 3) {
    const v = (r[at] << 16) | (r[at + 1] << 8) | r[at + 2];
    if (b[p] !== B64[v >> 18] || b[p + 1] !== B64[(v >> 12) & 63] || b[p + 2] !== B64[(v >> 6) & 63] || b[p + 3] !== B64[v & 63]) return -1;
    p += 4;
  }
  const rest = len % 3;
  if (rest === 0) return p;
  const v = rest === 1 ? r[at] << 16 : (r[at] << 16) | (r[at + 1] << 8);
  const c2 = rest === 1 ? 61 : B64[(v >> 6) & 63];
  if (b[p] !== B64[v >> 18] || b[p + 1] !== B64[(v >> 12) & 63] || b[p + 2] !== c2 || b[p + 3] !== 61) return -1;
  return p + 4;
}
const ISO = new Uint8Array(24);
const SEQ = new Uint8Array(20);
function eqBytes(b, p, x, len) {
  for (let i = 0; i < len; i++) if (b[p + i] !== x[i]) return -1;
  return p + len;
}
function copyBytes(out, at, b, p, len) {
  for (let i = 0; i < len; i++) out[at + i] = b[p + i];
  return at + len;
}

/**
 * SHA-256 of 0x00 || b[at..at+len), as a latin1 digest, hashed where it lies: the byte before
 * a bytea field is the last byte of its length, set to 0x00 for the hash and put back.
 */
function leafHashAt(b, at, len) {
  const keep = b[at - 1];
  b[at - 1] = 0;
  const d = hash("sha256", b.subarray(at - 1, at + len), "latin1");
  b[at - 1] = keep;
  return d;
}

/**
 * The leaf hash (latin1 digest) of a reading leaf when it is certainly fine, else null.
 * `b`/`lp`: the ledger row; `r`/`rp`: the reading row (rp -1: none); `index`: its leaf
 * index; `ring`: the device keys (deviceKeyring; null: no reading is fine).
 */
function fineReadingLeaf(b, lp, r, rp, index, ring) {
  if (rp < 0 || i16(b, lp) !== LEDGER_COLUMNS || i16(r, rp) !== READING_COLUMNS) return null;
  // Ledger row: leaf_index, kind (checked by the caller), entry, leaf_hash.
  let p = lp + 2 + 12;
  p += 4 + i32(b, p);
  const elen = i32(b, p);
  const eAt = p + 4;
  if (elen < 0) return null;
  p = eAt + elen;
  const hlen = i32(b, p);
  const hAt = p + 4;
  // Reading row.
  let q = rp + 2 + 12 + 12; // leaf_index, id
  const dsLen = i32(r, q), dsAt = q + 4;
  q = dsAt + (dsLen > 0 ? dsLen : 0);
  const dvLen = i32(r, q), dvAt = q + 4;
  q = dvAt + (dvLen > 0 ? dvLen : 0);
  if (i32(r, q) !== 8) return null;
  const seq = i64(r, q + 4);
  q += 12;
  if (i32(r, q) !== 8) return null;
  const us = i64(r, q + 4);
  q += 12;
  if (i32(r, q) !== 8 || i32(r, q + 12) !== 8) return null;
  const lon = f8(r, q + 4);
  const lat = f8(r, q + 16);
  q += 24;
  const pLen = i32(r, q), pAt = q + 4;
  if (pLen < 1 || r[pAt] !== 1) return null;
  q = pAt + pLen;
  const phLen = i32(r, q), phAt = q + 4;
  if (phLen < 0) return null;
  q = phAt + phLen;
  const sLen = i32(r, q), sAt = q + 4;
  if (sLen < 0) return null;
  q = sAt + sLen;
  const gdLen = i32(r, q), gdAt = q + 4;
  q = gdAt + (gdLen > 0 ? gdLen : 0);
  const grLen = i32(r, q), grAt = q + 4;
  q = grAt + (grLen > 0 ? grLen : 0);
  const gsLen = i32(r, q), gsAt = q + 4;
  if (us % 1000 !== 0 || putIso(ISO, 0, us / 1000 + PG_EPOCH_MS) < 0) return null;
  const seqLen = putUint(SEQ, 0, seq);
  if (seqLen < 0) return null;

  // The stored entry must be, byte for byte, the entry readingEntry() writes for this row,
  // in RFC 8785 canonical form (keys sorted).
  let m = eqLit(b, eAt, L_DATASET);
  if (m >= 0) m = eqPlain(b, m, r, dsAt, dsLen);
  if (m >= 0) m = eqLit(b, m, L_DEVICE);
  if (m >= 0) m = eqPlain(b, m, r, dvAt, dvLen);
  if (m >= 0) m = eqLit(b, m, L_AFTER_DEVICE);
  if (m < 0) return null;
  if (gdLen >= 0) {
    if (gdLen === 0 || grLen < 0 || gsLen < 0) return null;
    m = eqLit(b, m, L_GATEWAY);
    if (m >= 0) m = eqHex(b, m, r, grAt, grLen);
    if (m >= 0) m = eqLit(b, m, L_G_DEVICE);
    if (m >= 0) m = eqPlain(b, m, r, gdAt, gdLen);
    if (m >= 0) m = eqLit(b, m, L_G_SIGNATURE);
    if (m >= 0) m = eqB64(b, m, r, gsAt, gsLen);
    if (m >= 0) m = eqLit(b, m, L_G_END);
    if (m < 0) return null;
  } else if (grLen >= 0 || gsLen >= 0) return null;
  m = eqLit(b, m, L_KIND);
  if (m >= 0) m = eqBytes(b, m, ISO, 24);
  if (m >= 0) m = eqLit(b, m, L_PAYLOAD_HASH);
  if (m >= 0) m = eqHex(b, m, r, phAt, phLen);
  if (m >= 0) m = eqLit(b, m, L_SEQ);
  if (m >= 0) m = eqBytes(b, m, SEQ, seqLen);
  if (m >= 0) m = eqLit(b, m, L_SIGNATURE);
  if (m >= 0) m = eqB64(b, m, r, sAt, sLen);
  if (m >= 0) m = eqLit(b, m, L_END);
  // Exactly the entry: nothing missing, nothing after it.
  if (m !== eAt + elen) return null;
  const leaf = leafHashAt(b, eAt, elen);
  if (!digestIs(leaf, b, hAt, hlen)) return null;

  // The signed envelope: {dataset, device, location, observedAt, seq, values}, its SHA-256 the payload hash.
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) return null;
  if (V.length < 200 + dsLen + dvLen + pLen) V = new Uint8Array(2 * (200 + dsLen + dvLen + pLen));
  const v = V;
  let w = put(v, 0, L_DATASET);
  w = copyBytes(v, w, r, dsAt, dsLen);
  w = put(v, w, L_DEVICE);
  w = copyBytes(v, w, r, dvAt, dvLen);
  w = put(v, w, L_LOCATION);
  w = putAscii(v, w, numberText(lon));
  v[w++] = 44;
  w = putAscii(v, w, numberText(lat));
  w = put(v, w, L_OBSERVED);
  w = copyBytes(v, w, ISO, 0, 24);
  w = put(v, w, L_ENV_SEQ);
  w = copyBytes(v, w, SEQ, 0, seqLen);
  w = put(v, w, L_VALUES);
  w = putJsonbObject(v, w, r, pAt + 1, pAt + pLen);
  if (w < 0) return null;
  v[w++] = 125;
  if (!digestIs(hash("sha256", v.subarray(0, w), "latin1"), r, phAt, phLen)) return null;
  // The device signed those same bytes (the device id is printable ASCII: eqPlain above).
  const device = Buffer.from(r.buffer, r.byteOffset + dvAt, dvLen).toString("latin1");
  if (!deviceSignatureOk(ring, device, index, gdLen >= 0, v.subarray(0, w), r.subarray(sAt, sAt + sLen))) return null;
  return leaf;
}

/** The leaf hash (latin1 digest) of the stored entry of the ledger row at `lp`: SHA-256 of 0x00 || entry. */
function storedLeafHash(b, lp) {
  let p = lp + 2 + 12;
  p += 4 + Math.max(0, i32(b, p));
  const elen = i32(b, p);
  // A NULL entry (-1) hashes as an empty one; the full check in audit.ts names it.
  return leafHashAt(b, p + 4, Math.max(0, elen));
}

function isReadingRow(b, lp) {
  const p = lp + 2 + 12;
  if (i32(b, p) !== KIND_READING.length) return false;
  for (let i = 0; i < KIND_READING.length; i++) if (b[p + 4 + i] !== KIND_READING[i]) return false;
  return true;
}

// Plain byte views: a Buffer's subarray() builds a Buffer, several times slower than a Uint8Array's.
const asBytes = (u) => new Uint8Array(u.buffer, u.byteOffset, u.byteLength);

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
export function verifyRange({ from, chunk, ledger, reading, cuts }, ring = null) {
  const b = asBytes(ledger);
  const r = asBytes(reading);
  const ledgerAt = new Int32Array(chunk).fill(-1);
  const readingAt = new Int32Array(chunk).fill(-1);
  const dupLeaves = [];
  const dupReadings = [];
  slotRows(b, from, chunk, ledgerAt, dupLeaves);
  slotRows(r, from, chunk, readingAt, dupReadings);

  let first = 0;
  while (first < chunk && ledgerAt[first] < 0) first++;
  const firstIndex = first < chunk ? from + first : null;
  let n = 0;
  if (first === 0) while (n < chunk && ledgerAt[n] >= 0) n++;
  let gapAt = null;
  if (firstIndex !== null && first > 0) gapAt = firstIndex;
  else if (n < chunk) {
    let next = n + 1;
    while (next < chunk && ledgerAt[next] < 0) next++;
    if (next < chunk) gapAt = from + next;
  }

  const hashes = Buffer.alloc(32 * n);
  // Roots of the full 256-leaf subtrees (height 8, what level-1 hash tiles hold), when the
  // range starts on a 256-leaf boundary (chunk >= 256).
  const nodes8 = Buffer.alloc(from % 256 === 0 ? 32 * Math.floor(n / 256) : 0);
  const deferred = [];
  let readings = 0;
  // Tree: a compact range over [from, from + n) (latin1 digests), snapshotted at the requested cuts.
  const stack = [];
  const cutList = [];
  let nextCut = 0;
  const want = (cuts ?? []).filter((s) => s > from && s <= from + chunk).sort((x, y) => x - y);
  const snapshot = (size) => {
    const out = Buffer.alloc(32 * stack.length);
    stack.forEach((h, i) => out.write(h, 32 * i, "latin1"));
    cutList.push({ size, hashes: out });
  };

  for (let k = 0; k < n; k++) {
    const index = from + k;
    const lp = ledgerAt[k];
    const rp = readingAt[k];
    if (i16(b, lp) !== LEDGER_COLUMNS) throw new Error(`leaf ${index}: a ledger row with ${i16(b, lp)} fields`);
    const isReading = isReadingRow(b, lp);
    if (isReading) readings++;
    let leaf = isReading ? fineReadingLeaf(b, lp, r, rp, index, ring) : null;
    if (leaf === null) {
      deferred.push({ index, ledger: decodeLedgerRow(b, lp), reading: rp < 0 ? null : decodeReadingRow(r, rp) });
      leaf = storedLeafHash(b, lp);
    }
    for (let i = 0; i < 32; i++) hashes[32 * k + i] = leaf.charCodeAt(i);
    // Append to the compact range: merge while the new size has trailing ones.
    let h = leaf;
    let height = 0;
    for (let s = k; s % 2 === 1; s = (s - 1) / 2) {
      const left = stack.pop();
      for (let i = 0; i < 32; i++) {
        NODE[1 + i] = left.charCodeAt(i);
        NODE[33 + i] = h.charCodeAt(i);
      }
      h = hash("sha256", NODE, "latin1");
      if (++height === 8 && nodes8.length) nodes8.write(h, 32 * ((k + 1) / 256 - 1), "latin1");
    }
    stack.push(h);
    while (nextCut < want.length && want[nextCut] < index + 1) nextCut++;
    if (nextCut < want.length && want[nextCut] === index + 1) {
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
    extra: dupReadings.map((p) => decodeReadingRow(r, p)),
    extraLeaves: dupLeaves.map((p) => decodeLedgerRow(b, p)),
  };
}
