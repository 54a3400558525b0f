// The audit's per-row fast path, in plain JavaScript on node:crypto only, so that the same
// file runs on the main thread (tsx, vitest, Next.js bundles) and in the audit's worker
// threads (lib/log/audit-worker.mjs, loaded by path, untranspiled).
//
// verifyRange() checks one leaf-index range and says "fine" for a row only when the full
// check in audit.ts would find nothing wrong with it; every other row (a mismatch, a
// non-reading entry, an escaped COPY field, a value outside the plain reading shape) is
// handed back to audit.ts, which checks it again and names what differs. So this file
// decides nothing on its own: it can only spare the main thread rows that are fine.
import { hash } from "node:crypto";

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

// Columns of the two COPY texts verifyRange reads (audit.ts writes the SELECTs).
export const LEDGER_COLUMNS = 6; // leaf_index, kind, entry hex (non-readings), sha256(0x00||entry) hex, leaf_hash ok (t/f), ref_id
export const READING_COLUMNS = 14; // leaf_index, id, dataset, device, seq, observed ms, lon, lat, payload, payload hash hex, signature base64, gateway device, batch root hex, gateway signature base64 ('' for none)

const p2 = (x) => (x < 10 ? "0" : "") + x;
const MAX_ISO_MS = 253402300800000; // 10000-01-01T00:00:00.000Z

/** Date.prototype.toISOString of an integer millisecond time in years 1970..9999, else toISOString itself (which throws when out of range). */
export function isoFromMs(ms) {
  if (!Number.isInteger(ms) || ms < 0 || ms >= MAX_ISO_MS) return new Date(ms).toISOString();
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
  const yy = y < 1000 ? String(y).padStart(4, "0") : String(y);
  return `${yy}-${p2(m)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(sec)}.${msr < 100 ? (msr < 10 ? "00" : "0") : ""}${msr}Z`;
}

/** A COPY line's fields, or null when the line holds any escape (audit.ts then parses it). */
function fields(line, n) {
  if (line.indexOf("\\") >= 0) return null;
  const f = line.split("\t");
  return f.length === n ? f : null;
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

const numText = (t) => (safeNumber(t) ? t : num(Number(t)));

/** Whether one reading leaf is certainly fine (see the top of this file). */
function readingFine(l, r) {
  if (r === null || l[4] !== "t") return false;
  const payloadText = r[8], payloadHash = r[9], signature = r[10], entryHash = l[3];
  let observedAt;
  let vs = canonicalJsonbObject(payloadText);
  try {
    if (vs === null) vs = values(JSON.parse(payloadText));
    observedAt = isoFromMs(Number(r[5]));
  } catch {
    return false;
  }
  // Numbers as the database printed them when ES would print them the same (see safeNumber).
  const seq = numText(r[4]), ds = str(r[2]), dv = str(r[3]), lon = numText(r[6]), lat = numText(r[7]);
  if (vs === null || seq === null || ds === null || dv === null || lon === null || lat === null) return false;
  const env = `{"dataset":${ds},"device":${dv},"location":[${lon},${lat}],"observedAt":"${observedAt}","seq":${seq},"values":${vs}}`;
  if (hash("sha256", env, "hex") !== payloadHash) return false;
  const gDevice = r[11];
  let gateway = "";
  if (gDevice) {
    const gd = str(gDevice), br = str(r[12]), gs = str(r[13]);
    if (gd === null || br === null || gs === null) return false;
    gateway = `"gateway":{"batchRoot":${br},"device":${gd},"signature":${gs}},`;
  }
  const ph = str(payloadHash), sig = str(signature);
  if (ph === null || sig === null) return false;
  const entry = `\u0000{"dataset":${ds},"device":${dv},${gateway}"kind":"reading.v1","observedAt":"${observedAt}","payloadHash":${ph},"seq":${seq},"signature":${sig}}`;
  return hash("sha256", entry, "hex") === entryHash;
}

/**
 * Checks the leaves [from, from + chunk) given as COPY text (ledger rows and reading rows,
 * both ordered by leaf index), and hashes their part of the tree.
 *
 * `from` must be a multiple of `chunk`, a power of two, so that every perfect subtree of
 * [from, s) is one of the whole tree's. Returns:
 *  - n: leaves present without a gap from `from` (0 when the first row is past `from`);
 *    firstIndex: the first row's leaf index (null for no rows); gapAt: the leaf index of the
 *    first row after a gap, or null;
 *  - hashes: the n leaf hashes (SHA-256 of 0x00 || entry, by the database), 32 bytes each;
 *  - cuts: for each size s in `cuts` with from < s <= from + n, and for from + n, the hashes
 *    of the perfect subtrees of [from, s), largest first (concatenated, 32 bytes each);
 *  - readings: reading.v1 leaves among the n; deferred: the leaves to check again in
 *    audit.ts, with their COPY lines; extra: reading lines no ledger row of the range took.
 */
export function verifyRange({ from, chunk, ledger, reading, cuts }) {
  // Rows come in any order (the SELECTs do not sort): slot them by leaf index.
  const ledgerAt = new Array(chunk);
  const readingAt = new Array(chunk);
  const extra = [];
  const extraLeaves = [];
  const slot = (text, at, dups) => {
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = text.length;
      const line = text.slice(start, end);
      start = end + 1;
      const k = Number(line.slice(0, line.indexOf("\t"))) - from;
      if (!(k >= 0 && k < chunk && Number.isInteger(k))) throw new Error(`a row outside leaves ${from}..${from + chunk - 1}: ${line.slice(0, 40)}`);
      if (at[k] === undefined) at[k] = line;
      else dups.push(line);
    }
  };
  slot(ledger, ledgerAt, extraLeaves);
  slot(reading, readingAt, extra);

  let first = 0;
  while (first < chunk && ledgerAt[first] === undefined) first++;
  const firstIndex = first < chunk ? from + first : null;
  let n = 0;
  if (first === 0) while (n < chunk && ledgerAt[n] !== undefined) n++;
  let gapAt = null;
  if (firstIndex !== null && first > 0) gapAt = firstIndex;
  else if (n < chunk) {
    let next = n + 1;
    while (next < chunk && ledgerAt[next] === undefined) next++;
    if (next < chunk) gapAt = from + next;
  }

  const hashes = Buffer.alloc(32 * n);
  const deferred = [];
  let readings = 0;
  // Tree: a compact range over [from, from + n), snapshotted at the requested cuts.
  const stack = [];
  const cutList = [];
  let nextCut = 0;
  const want = (cuts ?? []).filter((s) => s > from && s <= from + chunk).sort((a, b) => a - b);
  // Hashes stay hex strings: node:crypto's hex output is several times faster than a Buffer's.
  const node = Buffer.alloc(65);
  node[0] = 1;
  const snapshot = (size) => {
    const out = Buffer.alloc(32 * stack.length);
    stack.forEach((h, i) => out.write(h, 32 * i, "hex"));
    cutList.push({ size, hashes: out });
  };

  for (let k = 0; k < n; k++) {
    const index = from + k;
    const line = ledgerAt[k];
    const rline = readingAt[k] ?? null;
    const l = fields(line, LEDGER_COLUMNS);
    const tab = line.indexOf("\t");
    const isReading = l !== null ? l[1] === "reading.v1" : line.slice(tab + 1, line.indexOf("\t", tab + 1)) === "reading.v1";
    if (isReading) readings++;
    let fine = false;
    if (l !== null && isReading) {
      const r = rline === null ? null : fields(rline, READING_COLUMNS);
      fine = r !== null && readingFine(l, r);
    }
    if (!fine) deferred.push({ index, ledger: line, reading: rline });
    // The leaf hash is the database's SHA-256 of the stored entry, as audit.ts uses it.
    const entryHash = l !== null ? l[3] : line.split("\t")[3];
    if (typeof entryHash !== "string" || hashes.write(entryHash, 32 * k, "hex") !== 32) throw new Error(`leaf ${index}: the database returned no entry hash`);
    let h = entryHash;
    // Append to the compact range: merge while the new size has trailing ones.
    for (let s = k; s % 2 === 1; s = (s - 1) / 2) {
      node.write(stack.pop(), 1, "hex");
      node.write(h, 33, "hex");
      h = hash("sha256", node, "hex");
    }
    stack.push(h);
    while (nextCut < want.length && want[nextCut] < index + 1) nextCut++;
    if (nextCut < want.length && want[nextCut] === index + 1) {
      snapshot(index + 1);
      nextCut++;
    }
  }
  if (!cutList.length || cutList[cutList.length - 1].size !== from + n) snapshot(from + n);
  return { from, n, firstIndex, gapAt, readings, hashes, cuts: cutList, deferred, extra, extraLeaves };
}
