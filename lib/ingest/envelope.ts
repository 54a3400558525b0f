import { z } from "zod";
import { hasControlChars } from "./values-schema";
import { envelopeBytes as canonicalEnvelopeBytes, type Envelope } from "./reading-encoding";
import { fromBase64, toBase64 } from "../ledger/encoding";
import { canonicalInstantMs, isCanonicalInstant } from "./values-schema";
import { refuse, type Refusal } from "./refusal";
import { nodeSha256 } from "../ledger-store/node-hasher";

export type { Envelope } from "./reading-encoding";
export type SignedEnvelope = Envelope & { signature: string };

/** How far ahead of the console's clock an observation may be stamped. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const Id = z
  .string()
  .min(1)
  .max(256)
  .refine((s) => !hasControlChars(s), "must not contain control characters");

const WireEnvelope = z.strictObject({
  device: Id,
  dataset: Id,
  seq: z.number().int().min(1),
  observedAt: z.string().refine(isCanonicalInstant, "must be an instant in toISOString() form, e.g. 2026-05-01T08:00:00.000Z"),
  location: z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]),
  values: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  signature: z.string().max(200),
});

/** The canonical bytes a device signs (RFC 8785 JSON of the six envelope fields). */
export function envelopeBytes(e: Envelope): Uint8Array {
  return canonicalEnvelopeBytes(e);
}

/** SHA-256 of the canonical envelope bytes. */
export function payloadHashOf(bytes: Uint8Array): Uint8Array {
  return nodeSha256(bytes);
}

// Where scratchUtf8 writes (grown when a text needs more).
let jsonScratch: Buffer = Buffer.allocUnsafeSlow(4096);

/**
 * The UTF-8 of `json` (an envelope's canonical JSON) in a buffer kept for it, with no byte
 * array made per envelope: valid until the next call, so hash or verify it before then.
 */
export function scratchUtf8(json: string): Uint8Array {
  if (jsonScratch.length < 3 * json.length) jsonScratch = Buffer.allocUnsafeSlow(3 * json.length);
  return jsonScratch.subarray(0, jsonScratch.write(json, 0, "utf8"));
}

/** payloadHashOf the UTF-8 of `json` (an envelope's canonical JSON), with no byte array made for it. */
export const payloadHashOfJson = (json: string): Uint8Array => payloadHashOf(scratchUtf8(json));

/** A stored reading row's columns its envelope is made of (payload: json text as stored, or parsed by the driver). */
export type EnvelopeRow = { dataset_id: string; device_id: string; seq: number | string; observed_at: Date | string; lon: number; lat: number; payload: unknown };

/** The envelope a stored reading row makes: what its device signed. */
export function envelopeOfRow(r: EnvelopeRow): Envelope {
  const values = (typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload) as Envelope["values"];
  return { device: r.device_id, dataset: r.dataset_id, seq: Number(r.seq), observedAt: new Date(r.observed_at).toISOString(), location: [r.lon, r.lat], values };
}

/**
 * A stored reading's payload hash: the stored one where the row has it (rows stored before
 * migration 20261207050000_reading_payload_hash_derived), else SHA-256 of the canonical
 * envelope the row makes, the bytes its device signed (the intake hashed the same).
 */
export function payloadHashOfRow(r: EnvelopeRow & { payload_hash: Uint8Array | null }): Uint8Array {
  if (r.payload_hash) return new Uint8Array(r.payload_hash.buffer, r.payload_hash.byteOffset, r.payload_hash.byteLength);
  return payloadHashOf(envelopeBytes(envelopeOfRow(r)));
}

/** Signs an envelope as a device does; `sign` is the device's Ed25519 signer. */
export function signEnvelope(e: Envelope, sign: (message: Uint8Array) => Uint8Array): SignedEnvelope {
  return { ...e, signature: toBase64(sign(envelopeBytes(e))) };
}

/** Parses UTF-8 JSON bytes; a refusal with reason malformed_json otherwise. */
export function parseJsonBytes(raw: Uint8Array): { value: unknown } | Refusal {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return refuse("malformed_json", "message is not valid UTF-8");
  }
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return refuse("malformed_json", `message is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * A checked wire envelope: the envelope, its signature's bytes, and what the checks made on
 * the way that later steps would otherwise make again: `observedMs` (Date.parse of observedAt)
 * and `signatureText` (the signature as sent, canonical base64: the reading.v1 entry's form).
 */
export type ParsedReading = { envelope: Envelope; signature: Uint8Array; observedMs: number; signatureText: string };

const okId = (s: unknown): s is string => typeof s === "string" && s.length >= 1 && s.length <= 256 && !hasControlChars(s);
const okCoord = (x: unknown, lim: number): x is number => typeof x === "number" && x >= -lim && x <= lim;

/**
 * True when the wire envelope has exactly the shape WireEnvelope accepts (the common case),
 * checked without zod; when false, zod checks it and names the problem.
 */
function wireShapeOk(v: Record<string, unknown>): boolean {
  let n = 0;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) return false;
    switch (k) {
      case "device":
      case "dataset":
        if (!okId(v[k])) return false;
        break;
      case "seq": {
        const x = v.seq;
        if (typeof x !== "number" || !Number.isSafeInteger(x) || x < 1) return false;
        break;
      }
      case "observedAt":
        // its instant is checked by the caller (canonicalInstantMs), which keeps the parsed time
        if (typeof v.observedAt !== "string") return false;
        break;
      case "location": {
        const l = v.location;
        if (!Array.isArray(l) || l.length !== 2 || !okCoord(l[0], 180) || !okCoord(l[1], 90)) return false;
        break;
      }
      case "values": {
        const x = v.values;
        if (x === null || typeof x !== "object" || Array.isArray(x)) return false;
        for (const vk in x) {
          if (!Object.prototype.hasOwnProperty.call(x, vk)) return false;
          const t = typeof (x as Record<string, unknown>)[vk];
          if (t !== "number" && t !== "string" && t !== "boolean") return false;
          if (t === "number" && !Number.isFinite((x as Record<string, number>)[vk])) return false;
        }
        break;
      }
      case "signature":
        if (typeof v.signature !== "string" || v.signature.length > 200) return false;
        break;
      default:
        return false;
    }
    n++;
  }
  return n === 7 && Object.keys(v).length === 7;
}

/**
 * Checks the shape of one signed envelope (not yet its values against the dataset, its
 * device or its signature). Unknown members are refused (unknown_field), wrong types and
 * non-canonical timestamps are schema refusals naming the field, observations more than
 * MAX_CLOCK_SKEW_MS ahead of `now` are future_timestamp.
 */
export function parseSignedEnvelope(value: unknown, now = Date.now()): ParsedReading | Refusal {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return refuse("schema", `a reading must be a JSON object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`, "(root)");
  }
  // The fast shape check leaves observedAt's instant to this one parse (canonicalInstantMs).
  const shapeOk = wireShapeOk(value as Record<string, unknown>);
  const observedMs = shapeOk ? canonicalInstantMs((value as { observedAt: string }).observedAt) : NaN;
  const fast = shapeOk && !Number.isNaN(observedMs);
  const r = fast ? { success: true as const, data: value as z.infer<typeof WireEnvelope> } : WireEnvelope.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    if (issue.code === "unrecognized_keys") {
      return refuse("unknown_field", `${issue.keys[0]} is not a member of a reading envelope (device, dataset, seq, observedAt, location, values, signature)`, issue.keys[0]);
    }
    const path = issue.path.map(String).join(".") || "(root)";
    const v = value as Record<string, unknown>;
    const got = issue.path.length ? issue.path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined), v) : v;
    const gotText = got === undefined ? "nothing" : typeof got === "string" ? JSON.stringify(got.slice(0, 60)) : String(JSON.stringify(got)).slice(0, 60);
    return refuse("schema", `${path}: ${issue.message} (got ${gotText})`, path);
  }
  const w = r.data;
  if (!Number.isSafeInteger(w.seq)) return refuse("schema", `seq must be at most 2^53 − 1, got ${w.seq}`, "seq");
  if (!Number.isFinite(w.location[0]) || !Number.isFinite(w.location[1])) return refuse("schema", "location must be finite numbers", "location");
  const t = fast ? observedMs : Date.parse(w.observedAt);
  if (t > now + MAX_CLOCK_SKEW_MS) {
    return refuse("future_timestamp", `observedAt ${w.observedAt} is ${Math.round((t - now) / 1000)} s ahead of the console's clock (at most ${MAX_CLOCK_SKEW_MS / 1000} s allowed)`, "observedAt");
  }
  let signature: Uint8Array;
  let signatureText = w.signature;
  try {
    // Node's decoder is lenient, so the common case is taken only when it round-trips to the
    // same text (canonical base64); anything else goes through the strict decoder for its message.
    const b = Buffer.from(w.signature, "base64");
    if (b.toString("base64") === w.signature) signature = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    else {
      signature = fromBase64(w.signature);
      signatureText = toBase64(signature);
    }
  } catch (e) {
    return refuse("schema", `signature must be canonical base64: ${(e as Error).message}`, "signature");
  }
  if (signature.length !== 64) return refuse("schema", `signature must be 64 bytes (Ed25519), got ${signature.length}`, "signature");
  // values as JSON.parse made them (own keys only, even "__proto__"), not zod's copy.
  const values = (value as { values: Envelope["values"] }).values;
  return { envelope: { device: w.device, dataset: w.dataset, seq: w.seq, observedAt: w.observedAt, location: [w.location[0], w.location[1]], values }, signature, observedMs: t, signatureText };
}

export const isRefusal = (x: unknown): x is Refusal => typeof x === "object" && x !== null && "reason" in x && "message" in x;
