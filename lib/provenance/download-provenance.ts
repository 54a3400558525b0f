import type { Viewer } from "../access/viewer";
import { AppError } from "../errors";
import { getReadingTrail } from "./get-reading-trail";
import { provJson } from "./prov-json";
import { parseNote } from "../ledger/note";

/** A reading's datum, receipt or PROV-JSON as a file to download. */
export async function downloadProvenance(opts: { viewer: Viewer; leafIndex: number; as: "datum" | "receipt" | "prov" }) {
  const trail = await getReadingTrail(opts);
  const d = trail.datum;
  if (!d || !trail.checkpoint) {
    throw new AppError("conflict", `leaf ${opts.leafIndex} is not yet in a quorum-cosigned checkpoint; retry in a few seconds`);
  }
  const base = `reading-${opts.leafIndex}`;
  if (opts.as === "receipt") {
    return { filename: `${base}.tlog-proof`, contentType: "text/plain; charset=utf-8", body: d.ledger.receipt };
  }
  if (opts.as === "prov") {
    const info = d.log;
    const names = new Set(info.witnessVerifierKeys.map((k) => k.split("+")[0]));
    const cosignedBy = parseNote(trail.checkpoint.note).signatures.map((s) => s.name).filter((n) => names.has(n));
    const doc = provJson({ datum: d, timeline: trail.timeline, checkpointSize: trail.checkpoint.size, cosignedBy, readers: trail.readers });
    return { filename: `${base}.prov.json`, contentType: "application/json", body: JSON.stringify(doc, null, 2) };
  }
  return { filename: `${base}.datum.json`, contentType: "application/json", body: JSON.stringify(d, null, 2) };
}
