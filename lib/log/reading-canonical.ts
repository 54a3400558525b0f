import { canonicalJson } from "../ledger/canonical-json";

type Value = number | string | boolean;
type Envelope = {
  device: string;
  dataset: string;
  seq: number;
  observedAt: string;
  location: [number, number];
  values: Record<string, Value>;
};

const SURROGATE = /[\uD800-\uDFFF]/;

// JSON.stringify gives RFC 8785's bytes for finite numbers (ES Number::toString) and for
// strings without lone surrogates; anything else takes the generic path, which refuses it.
function str(s: string): string | null {
  return SURROGATE.test(s) ? null : JSON.stringify(s);
}
function num(n: number): string | null {
  return Number.isFinite(n) ? JSON.stringify(n) : null;
}
function val(v: Value): string | null {
  if (typeof v === "string") return str(v);
  if (typeof v === "number") return num(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return null;
}

function values(vs: Record<string, Value>): string | null {
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
 * RFC 8785 canonical JSON of a reading envelope, as canonicalJson would write it, without
 * walking a generic object tree (the audit does this for every reading). Falls back to
 * canonicalJson for any value outside the envelope's plain shape.
 */
export function canonicalEnvelope(e: Envelope): string {
  const parts = [str(e.dataset), str(e.device), num(e.location[0]), num(e.location[1]), str(e.observedAt), num(e.seq), values(e.values)];
  if (parts.includes(null) || e.location.length !== 2) return canonicalJson(e);
  const [ds, dv, lon, lat, at, seq, vs] = parts;
  return `{"dataset":${ds},"device":${dv},"location":[${lon},${lat}],"observedAt":${at},"seq":${seq},"values":${vs}}`;
}

type Entry = {
  kind: "reading.v1";
  dataset: string;
  device: string;
  seq: number;
  observedAt: string;
  payloadHash: string;
  signature: string;
  gateway?: { device: string; batchRoot: string; signature: string };
};

/** RFC 8785 canonical JSON of a reading.v1 entry (see canonicalEnvelope). */
export function canonicalReadingEntry(e: Entry): string {
  const g = e.gateway;
  const gw = g ? [str(g.batchRoot), str(g.device), str(g.signature)] : [];
  const parts = [str(e.dataset), str(e.device), str(e.observedAt), str(e.payloadHash), num(e.seq), str(e.signature), ...gw];
  if (parts.includes(null) || Object.keys(e).length !== (g ? 8 : 7)) return canonicalJson(e);
  const gateway = g ? `"gateway":{"batchRoot":${gw[0]},"device":${gw[1]},"signature":${gw[2]}},` : "";
  return `{"dataset":${parts[0]},"device":${parts[1]},${gateway}"kind":"reading.v1","observedAt":${parts[2]},"payloadHash":${parts[3]},"seq":${parts[4]},"signature":${parts[5]}}`;
}
