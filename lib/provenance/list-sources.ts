import type { Viewer } from "../access/viewer";
import { checkRead } from "../access/check-read";
import { getDb } from "../db/client";

export type SourceQuery = {
  dataset: string;
  from: string;
  to: string;
  bbox?: [number, number, number, number];
  device?: string;
  /** A payload field whose value each source lists, e.g. speedKmh. */
  field?: string;
  limit: number;
};

/**
 * The readings a derived value (an aggregate on the map, a KPI) was computed from: the
 * readings of a dataset in a time window and area, each with its ledger leaf so it links
 * to its own provenance. Goes through the same access check as the aggregate itself.
 */
export async function listSources(opts: { viewer: Viewer } & SourceQuery) {
  const { sql } = await getDb();
  const access = await checkRead(sql, opts.viewer, opts.dataset);
  const [minLon, minLat, maxLon, maxLat] = opts.bbox ?? [-180, -90, 180, 90];
  const params = [opts.dataset, opts.from, opts.to, minLon, maxLon, minLat, maxLat, opts.device ?? null, opts.field ?? null];
  const where = `dataset_id = $1 AND observed_at >= $2 AND observed_at < $3 AND lon BETWEEN $4 AND $5 AND lat BETWEEN $6 AND $7
                 AND ($8::text IS NULL OR device_id = $8)`;
  const [{ n }] = await sql.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM reading WHERE ${where}`, params.slice(0, 8));
  const rows = await sql.query<{ leaf_index: number; device_id: string; observed_at: Date; value: string | null }>(
    `SELECT leaf_index, device_id, observed_at, CASE WHEN $9::text IS NULL THEN NULL ELSE payload->>$9 END AS value
       FROM reading WHERE ${where} ORDER BY observed_at DESC, leaf_index DESC LIMIT ${Math.trunc(opts.limit)}`,
    params,
  );
  return {
    access,
    total: Number(n),
    sources: rows.map((r) => ({
      leafIndex: Number(r.leaf_index),
      device: r.device_id,
      observedAt: new Date(r.observed_at).toISOString(),
      value: r.value === null ? null : Number.isFinite(Number(r.value)) ? Number(r.value) : r.value,
    })),
  };
}
