import { canonicalJson } from "../ledger/canonical-json";
import { fastCanonicalEnvelope, fastCanonicalReadingEntry } from "./audit-rows.mjs";

import type { Envelope } from "../ingest/envelope";

/**
 * RFC 8785 canonical JSON of a reading envelope, as canonicalJson would write it, without
 * walking a generic object tree (the audit does this for every reading). Falls back to
 * canonicalJson for any value outside the envelope's plain shape (flat values, finite
 * numbers, no lone surrogates), which refuses what RFC 8785 cannot write.
 */
export function canonicalEnvelope(e: Envelope): string {
  return fastCanonicalEnvelope(e) ?? canonicalJson(e);
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
  return fastCanonicalReadingEntry(e) ?? canonicalJson(e);
}
