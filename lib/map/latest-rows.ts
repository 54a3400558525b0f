import type { Sql } from "../db/sql";
import type { TimeWindow } from "./time-window";

/** One device's (or incident's) newest reading in a window. */
export type LatestRow = {
  key: string;
  device_id: string;
  observed_at: Date;
  leaf_index: number;
  lon: number;
  lat: number;
  payload: Record<string, unknown>;
};

const parse = (p: unknown): Record<string, unknown> => (typeof p === "string" ? (JSON.parse(p) as Record<string, unknown>) : ((p ?? {}) as Record<string, unknown>));

/**
 * The newest reading per device (per incident for safety.incidents) observed in
 * (from, to]. Live answers (`live`: `to` is now) read map_latest, kept current by the
 * rollup; a moment in the past is answered from the readings themselves. `devices`
 * restricts the answer (a bbox), null for all.
 */
export async function latestRows(
  sql: Sql,
  datasetId: string,
  w: TimeWindow,
  opts: { live: boolean; devices?: string[] | null },
): Promise<LatestRow[]> {
  const keyExpr = datasetId === "safety.incidents" ? "coalesce(payload->>'incidentId', device_id)" : "device_id";
  const params: unknown[] = [datasetId, w.from.toISOString(), w.to.toISOString()];
  let filter = "";
  if (opts.devices) {
    params.push(opts.devices);
    filter = `AND device_id = ANY($4::text[])`;
  }
  const rows = opts.live
    ? await sql.query<LatestRow>(
        `SELECT key, device_id, observed_at, leaf_index::float8 AS leaf_index, lon, lat, payload
           FROM map_latest
          WHERE dataset_id = $1 AND observed_at > $2 AND observed_at <= $3 ${filter}
          ORDER BY key`,
        params,
      )
    : await sql.query<LatestRow>(
        `SELECT DISTINCT ON (${keyExpr}) ${keyExpr} AS key, device_id, observed_at, leaf_index::float8 AS leaf_index, lon, lat, payload
           FROM reading
          WHERE dataset_id = $1 AND observed_at > $2 AND observed_at <= $3 ${filter}
          ORDER BY ${keyExpr}, observed_at DESC, leaf_index DESC`,
        params,
      );
  return rows.map((r) => ({ ...r, observed_at: new Date(r.observed_at), leaf_index: Number(r.leaf_index), lon: Number(r.lon), lat: Number(r.lat), payload: parse(r.payload) }));
}
