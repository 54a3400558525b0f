import type { Viewer } from "../access/viewer";
import { AppError } from "../errors";
import { assembleTrail, recordProvenanceRead } from "./get-reading-trail";
import { provJson } from "./prov-json";
import { parseNote } from "../ledger/note";

/**
 * A reading's datum, receipt or PROV-JSON as a file to download, as far as the viewer's
 * basis allows (see the trail's `disclosure`): the receipt (.tlog-proof: leaf index,
 * inclusion proof and cosigned checkpoint, nothing of the reading) under every scope; the
 * datum only with every field under raw scope (403 otherwise: the device's signature covers
 * every field, and anonymized and aggregated scopes withhold the reading); the PROV-JSON
 * under raw scope, with only the granted fields (403 under anonymized and aggregated scope).
 * 409 until a quorum-cosigned checkpoint holds the reading. The download is recorded.
 */
export async function downloadProvenance(opts: { viewer: Viewer; leafIndex: number; as: "datum" | "receipt" | "prov" }) {
  const { returned, ...trail } = await assembleTrail(opts);
  const refused = opts.as === "receipt" ? undefined : trail.disclosure.refused[opts.as];
  if (refused) throw new AppError("forbidden", `leaf ${opts.leafIndex}: ${opts.as} refused under ${trail.disclosure.scope} scope (${trail.disclosure.level})`, refused, { disclosure: trail.disclosure.level });
  const proof = trail.ledgerProof;
  if (!proof || !trail.checkpoint) {
    throw new AppError("conflict", `leaf ${opts.leafIndex} is not yet in a quorum-cosigned checkpoint; retry in a few seconds`);
  }
  const base = `reading-${opts.leafIndex}`;
  if (opts.as === "receipt") {
    await recordProvenanceRead(opts.viewer, "provenance.receipt", { ...returned, count: 0 });
    return { filename: `${base}.tlog-proof`, contentType: "text/plain; charset=utf-8", body: proof.receipt };
  }
  // Not refused: raw scope, so the trail holds the reading (as a datum, or with fields withheld).
  const d = trail.device === null ? null : (trail.datum ?? trail.partialDatum);
  if (trail.device === null || !d) throw new AppError("internal", `leaf ${opts.leafIndex}: no reading to download at level ${trail.disclosure.level}`);
  await recordProvenanceRead(opts.viewer, `provenance.${opts.as}`, returned);
  if (opts.as === "prov") {
    const info = d.log;
    const names = new Set(info.witnessVerifierKeys.map((k) => k.split("+")[0]));
    const cosignedBy = parseNote(trail.checkpoint.note).signatures.map((s) => s.name).filter((n) => names.has(n));
    const doc = provJson({
      datum: d,
      timeline: trail.timeline,
      checkpointSize: trail.checkpoint.size,
      cosignedBy,
      readers: trail.readers.names ?? [],
      withheldFields: trail.disclosure.withheldFields,
    });
    return { filename: `${base}.prov.json`, contentType: "application/json", body: JSON.stringify(doc, null, 2) };
  }
  return { filename: `${base}.datum.json`, contentType: "application/json", body: JSON.stringify(trail.datum, null, 2) };
}
