import type { Viewer } from "../access/viewer";
import { accessInfo, checkRead } from "../access/check-read";
import { recordRead } from "../access/record-read";
import { readSources, type SourceQuery } from "../access/scoped/sources";
import { getDb } from "../db/client";

export type { SourceQuery };

/**
 * The readings a derived value (an aggregate on the map, a KPI) was computed from: the
 * readings of a dataset in a time window and area, each with its ledger leaf so it links
 * to its own provenance. Goes through the same access check as the aggregate itself and
 * lists only what the viewer's basis allows (raw scope; the grant's window, area and
 * fields; see readSources). `window` is the time range actually searched (the request's
 * cut to the grant's data window), null when they do not meet. The read is recorded.
 */
export async function listSources(opts: { viewer: Viewer } & SourceQuery) {
  const { sql } = await getDb();
  const basis = await checkRead(sql, opts.viewer, opts.dataset);
  const found = await readSources(sql, basis, opts);
  await recordRead(sql, opts.viewer, basis, { action: "sources", count: found.sources.length, from: found.range?.from ?? opts.from, until: found.range?.to ?? opts.to });
  return { access: accessInfo(basis), window: found.range, total: found.total, sources: found.sources };
}
