// The one encoder of a reading's two signed or hashed forms, RFC 8785 canonical JSON:
//  - the envelope a device signs (device, dataset, seq, observedAt, location, values), whose
//    SHA-256 is the payload hash;
//  - the reading.v1 ledger entry (dataset, device, gateway?, kind, observedAt, payloadHash,
//    seq, signature).
// The reference is lib/ledger/canonical-json (the general RFC 8785 implementation). The fast
// path here writes the members in their fixed canonical order through one template per
// form (envelopeTemplate, readingEntryTemplate) and is used when every value has the plain
// shape: strings without lone surrogates, finite numbers, flat values. Anything else goes
// to the reference, which refuses what RFC 8785 cannot write. The audit's byte-level path
// (lib/ledger-store/reading-row-bytes.ts) writes from the same templates. reading-encoding.test.ts
// checks both against the reference on random readings.
//
// No DB and no node: imports beyond Buffer, so the audit's worker threads load it too.
import { canonicalJson, canonicalJsonBytes } from "../ledger/canonical-json";
import { loneSurrogateIndex, toBase64 as base64Of, toHex as hexOf } from "../ledger/encoding";
import type { ReadingEntry } from "../ledger/entries";

/** One payload value of a reading. */
export type ReadingValue = number | string | boolean;
/** A reading's payload: flat, named values. */
export type ReadingValues = Record<string, ReadingValue>;

/**
 * What a device signs: the canonical JSON of exactly these six fields (see
 * lib/ingest/envelope.ts for how the wire form is checked).
 */
export type Envelope = {
  device: string;
  dataset: string;
  /** Per device, increasing as the device sends them (the intake still takes a late one never stored within INGEST_SEQ_WINDOW); 1 ≤ seq ≤ 2^53 − 1. */
  seq: number;
  /** `Date.prototype.toISOString()` form, e.g. 2026-05-01T08:00:00.000Z */
  observedAt: string;
  /** [longitude, latitude], WGS84 degrees */
  location: [number, number];
  values: ReadingValues;
};

/** A gateway's proof over the batch a reading came in (bytes as stored). */
export type GatewayProof = { device: string; batchRoot: Uint8Array; signature: Uint8Array };

/** The fields of a stored reading its reading.v1 entry is made of (bytes as stored). */
export type ReadingEntryFields = Pick<Envelope, "dataset" | "device" | "seq" | "observedAt"> & {
  payloadHash: Uint8Array;
  signature: Uint8Array;
  gateway?: GatewayProof | null;
  /** `signature` in base64 (RFC 4648, padded), when the caller has it already (a checked reading's as its device sent it): not encoded again. */
  signatureText?: string;
};

// ---- The templates: every member of both forms, in RFC 8785 order. Arguments are JSON texts.

/** The envelope's canonical JSON from its members' JSON texts. */
export function envelopeTemplate(dataset: string, device: string, lon: string, lat: string, observedAt: string, seq: string, values: string): string {
  return `{"dataset":${dataset},"device":${device},"location":[${lon},${lat}],"observedAt":${observedAt},"seq":${seq},"values":${values}}`;
}

/** The reading.v1 entry's canonical JSON from its members' JSON texts (`gateway`: gatewayMemberTemplate's, or ""). */
export function readingEntryTemplate(dataset: string, device: string, gateway: string, observedAt: string, payloadHash: string, seq: string, signature: string): string {
  return `{"dataset":${dataset},"device":${device},${gateway}"kind":"reading.v1","observedAt":${observedAt},"payloadHash":${payloadHash},"seq":${seq},"signature":${signature}}`;
}

/** The reading.v1 entry's gateway member, with the comma after it. */
export function gatewayMemberTemplate(batchRoot: string, device: string, signature: string): string {
  return `"gateway":{"batchRoot":${batchRoot},"device":${device},"signature":${signature}},`;
}

// ---- JSON texts of plain values (null: not plain; the caller takes the reference path).

// Strings JSON.stringify writes as they are, between quotes.
// eslint-disable-next-line no-control-regex -- control characters are what JSON.stringify escapes
const VERBATIM = /^[^"\\\u0000-\u001f\uD800-\uDFFF]*$/;

/** JSON text of a well-formed string (JSON.stringify escapes as RFC 8785 does), else null. */
export function jsonString(s: unknown): string | null {
  if (typeof s !== "string") return null;
  if (VERBATIM.test(s)) return `"${s}"`;
  return loneSurrogateIndex(s) >= 0 ? null : JSON.stringify(s);
}

/**
 * JSON text of a finite number (ES Number::toString, RFC 8785's form), else null. JSON.stringify
 * of a finite number is ToString of it (-0 as "0" both ways); String() gives it in half the time.
 */
export function jsonNumber(n: unknown): string | null {
  return typeof n === "number" && Number.isFinite(n) ? String(n) : null;
}

function jsonValue(v: unknown): string | null {
  if (typeof v === "string") return jsonString(v);
  if (typeof v === "number") return jsonNumber(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return null;
}

/** Canonical JSON of flat values (keys sorted by UTF-16 code units), else null. */
function jsonValues(values: unknown): string | null {
  if (typeof values !== "object" || values === null || Array.isArray(values)) return null;
  const proto = Object.getPrototypeOf(values);
  if (proto !== Object.prototype && proto !== null) return null;
  const record = values as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = jsonString(keys[i]);
    const value = jsonValue(record[keys[i]]);
    if (key === null || value === null) return null;
    out += (i ? "," : "") + key + ":" + value;
  }
  return out + "}";
}

const utf8Bytes = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));

// ---- The reference encoder.

/** The six signed members of an envelope (nothing else it may carry). */
const signedMembers = (e: Envelope): Envelope => ({ device: e.device, dataset: e.dataset, seq: e.seq, observedAt: e.observedAt, location: [e.location[0], e.location[1]], values: e.values });

/** The reference: the general RFC 8785 implementation over the envelope's six members. */
export function referenceEnvelopeJson(e: Envelope): string {
  return canonicalJson(signedMembers(e));
}

/** The reference: the general RFC 8785 implementation over the entry. */
export function referenceReadingEntryJson(e: ReadingEntry): string {
  return canonicalJson(e);
}

/** The reading.v1 ledger entry of a stored reading: it commits to the payload by hash. */
export function readingEntryOf(r: ReadingEntryFields): ReadingEntry {
  return {
    kind: "reading.v1",
    dataset: r.dataset,
    device: r.device,
    seq: r.seq,
    observedAt: r.observedAt,
    payloadHash: hexOf(r.payloadHash),
    signature: base64Of(r.signature),
    ...(r.gateway ? { gateway: { device: r.gateway.device, batchRoot: hexOf(r.gateway.batchRoot), signature: base64Of(r.gateway.signature) } } : {}),
  };
}

// ---- The fast path.

/** The envelope's canonical JSON by the template, or null when a member is not plain. */
export function fastEnvelopeJson(e: Envelope): string | null {
  const location = e.location;
  if (!Array.isArray(location) || location.length !== 2) return null;
  const dataset = jsonString(e.dataset);
  const device = jsonString(e.device);
  const lon = jsonNumber(location[0]);
  const lat = jsonNumber(location[1]);
  const observedAt = jsonString(e.observedAt);
  const seq = jsonNumber(e.seq);
  const values = jsonValues(e.values);
  if (dataset === null || device === null || lon === null || lat === null || observedAt === null || seq === null || values === null) return null;
  return envelopeTemplate(dataset, device, lon, lat, observedAt, seq, values);
}

/** The reading.v1 entry's canonical JSON by the template, or null when it is not of the plain shape. */
export function fastReadingEntryJson(e: ReadingEntry): string | null {
  const g = e.gateway;
  if (e.kind !== "reading.v1" || Object.keys(e).length !== (g ? 8 : 7)) return null;
  const dataset = jsonString(e.dataset);
  const device = jsonString(e.device);
  const observedAt = jsonString(e.observedAt);
  const payloadHash = jsonString(e.payloadHash);
  const seq = jsonNumber(e.seq);
  const signature = jsonString(e.signature);
  if (dataset === null || device === null || observedAt === null || payloadHash === null || seq === null || signature === null) return null;
  let gateway = "";
  if (g) {
    if (typeof g !== "object" || Object.keys(g).length !== 3) return null;
    const batchRoot = jsonString(g.batchRoot);
    const gatewayDevice = jsonString(g.device);
    const gatewaySignature = jsonString(g.signature);
    if (batchRoot === null || gatewayDevice === null || gatewaySignature === null) return null;
    gateway = gatewayMemberTemplate(batchRoot, gatewayDevice, gatewaySignature);
  }
  return readingEntryTemplate(dataset, device, gateway, observedAt, payloadHash, seq, signature);
}

// The gateway member is the same for every reading of a batch: written once per batch.
const gatewayMembers = new WeakMap<GatewayProof, string | null>();
function gatewayMemberOf(g: GatewayProof): string | null {
  let member = gatewayMembers.get(g);
  if (member === undefined) {
    const device = jsonString(g.device);
    member = device === null ? null : gatewayMemberTemplate(`"${hexOf(g.batchRoot)}"`, device, `"${base64Of(g.signature)}"`);
    gatewayMembers.set(g, member);
  }
  return member;
}

/** The reading.v1 entry's canonical JSON of a stored reading by the template, or null when it is not plain (readingEntryBytes then takes the reference). */
export function fastReadingEntryJsonOf(r: ReadingEntryFields): string | null {
  const dataset = jsonString(r.dataset);
  const device = jsonString(r.device);
  const observedAt = jsonString(r.observedAt);
  const seq = jsonNumber(r.seq);
  const gateway = r.gateway ? gatewayMemberOf(r.gateway) : "";
  if (dataset === null || device === null || observedAt === null || seq === null || gateway === null) return null;
  return readingEntryTemplate(dataset, device, gateway, observedAt, `"${hexOf(r.payloadHash)}"`, seq, `"${r.signatureText ?? base64Of(r.signature)}"`);
}

// ---- What callers use: the fast path, else the reference.

/** Canonical JSON of an envelope (the six signed members). */
export function envelopeJson(e: Envelope): string {
  return fastEnvelopeJson(e) ?? referenceEnvelopeJson(e);
}

/** The canonical bytes a device signs (UTF-8 of envelopeJson). */
export function envelopeBytes(e: Envelope): Uint8Array {
  const text = fastEnvelopeJson(e);
  return text === null ? canonicalJsonBytes(signedMembers(e)) : utf8Bytes(text);
}

/** Canonical JSON of a reading.v1 entry. */
export function readingEntryJson(e: ReadingEntry): string {
  return fastReadingEntryJson(e) ?? referenceReadingEntryJson(e);
}

/** Canonical bytes of a stored reading's reading.v1 entry (what encodeEntry(readingEntryOf(r)) gives). */
export function readingEntryBytes(r: ReadingEntryFields): Uint8Array {
  const text = fastReadingEntryJsonOf(r);
  return text === null ? canonicalJsonBytes(readingEntryOf(r)) : utf8Bytes(text);
}
