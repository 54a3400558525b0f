// RFC 8785 canonical JSON for the two shapes the intake writes thousands of times a second:
// the signed envelope and the reading.v1 entry. Same bytes as lib/ledger/canonical-json (the
// property test checks it), without its generality: member order is fixed and known, strings
// go through JSON.stringify (which escapes exactly as RFC 8785 for well-formed strings) and
// numbers through ECMAScript's Number::toString. Anything outside that (a lone surrogate, a
// non-finite number, a value that is not a string, number or boolean) falls back to the
// general implementation, which refuses it with the path.
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { loneSurrogateIndex } from "../ledger/encoding";
import type { Envelope } from "./envelope";
import { readingEntry, type AcceptedReading } from "./store-readings";

const str = (s: string) => JSON.stringify(s);
const okStr = (s: unknown): s is string => typeof s === "string" && loneSurrogateIndex(s) < 0;
const okNum = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n);

function valuesText(v: Record<string, unknown>): string | null {
  const keys = Object.keys(v).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const x = v[k];
    if (!okStr(k)) return null;
    let t: string;
    if (typeof x === "number") {
      if (!okNum(x)) return null;
      t = String(x);
    } else if (typeof x === "string") {
      if (!okStr(x)) return null;
      t = str(x);
    } else if (typeof x === "boolean") t = x ? "true" : "false";
    else return null;
    out += `${i ? "," : ""}${str(k)}:${t}`;
  }
  return `${out}}`;
}

/** Canonical bytes of an envelope (the six signed members). */
export function fastEnvelopeBytes(e: Envelope): Uint8Array {
  const values = e.values && typeof e.values === "object" && Object.getPrototypeOf(e.values) === Object.prototype ? valuesText(e.values) : null;
  if (values === null || !okStr(e.device) || !okStr(e.dataset) || !okStr(e.observedAt) || !okNum(e.seq) || !okNum(e.location[0]) || !okNum(e.location[1])) {
    return canonicalJsonBytes({ device: e.device, dataset: e.dataset, seq: e.seq, observedAt: e.observedAt, location: [e.location[0], e.location[1]], values: e.values });
  }
  const text = `{"dataset":${str(e.dataset)},"device":${str(e.device)},"location":[${String(e.location[0])},${String(e.location[1])}],"observedAt":${str(e.observedAt)},"seq":${String(e.seq)},"values":${values}}`;
  return new Uint8Array(Buffer.from(text, "utf8"));
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");

// The gateway member is the same for every reading of a batch: written once per batch.
const gatewayText = new WeakMap<object, string>();
function gatewayMember(g: NonNullable<AcceptedReading["gateway"]>): string {
  let t = gatewayText.get(g);
  if (t === undefined) {
    t = `"gateway":{"batchRoot":"${hex(g.batchRoot)}","device":${str(g.device)},"signature":"${b64(g.signature)}"},`;
    gatewayText.set(g, t);
  }
  return t;
}

/** Canonical bytes of a reading's reading.v1 entry (fields already checked by the intake). */
export function fastReadingEntryBytes(r: AcceptedReading): Uint8Array {
  if (!okStr(r.device) || !okStr(r.dataset) || !okStr(r.observedAt) || !okNum(r.seq) || (r.gateway && !okStr(r.gateway.device))) {
    return canonicalJsonBytes(readingEntry(r));
  }
  const gw = r.gateway ? gatewayMember(r.gateway) : "";
  const text = `{"dataset":${str(r.dataset)},"device":${str(r.device)},${gw}"kind":"reading.v1","observedAt":${str(r.observedAt)},"payloadHash":"${hex(r.payloadHash)}","seq":${String(r.seq)},"signature":"${b64(r.signature)}"}`;
  return new Uint8Array(Buffer.from(text, "utf8"));
}
