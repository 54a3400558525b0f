// Photo re-use by hash (issue 20's abuse rules). Photos are stored by the SHA-256 of their bytes
// as kept (after location stripping), so the same picture sent again, in another report, has
// the same hash. Pure: the triage queue and the credit rule call it with rows they read.

/** A report as the rule sees it: who filed it, when, and its photos' hashes. */
export type PhotoReport = { id: string; reporter: string; createdAt: string; photos: readonly string[] };

/** A photo of a report that an earlier report already carried. */
export type PhotoReuse = { photo: string; report: string; sameReporter: boolean; createdAt: string };

/**
 * Each photo of `report` that an earlier report (filed before it) already carried, naming the
 * earliest such report and whether the same reporter key filed it. A reporter sending their
 * own photo again (a follow-up) is shown but not held against them; another key's photo is
 * someone else's evidence (see takenFromAnother). Unsigned reports (no key) never count as the
 * same reporter.
 */
export function photoReuse(report: PhotoReport, others: readonly PhotoReport[], unsigned: string): PhotoReuse[] {
  const out: PhotoReuse[] = [];
  const t = Date.parse(report.createdAt);
  for (const photo of new Set(report.photos)) {
    let first: PhotoReport | null = null;
    for (const o of others) {
      if (o.id === report.id || !o.photos.includes(photo)) continue;
      const at = Date.parse(o.createdAt);
      if (at > t || (at === t && o.id > report.id)) continue;
      if (!first || at < Date.parse(first.createdAt) || (at === Date.parse(first.createdAt) && o.id < first.id)) first = o;
    }
    if (first) out.push({ photo, report: first.id, sameReporter: first.reporter === report.reporter && report.reporter !== unsigned, createdAt: first.createdAt });
  }
  return out;
}

/** True if some photo of the report was first sent by another reporter: its confirmation earns no credit. */
export const takenFromAnother = (reuse: readonly PhotoReuse[]) => reuse.some((r) => !r.sameReporter);
