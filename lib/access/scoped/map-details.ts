import type { Sql } from "../../db/sql";
import type { ReadBasis } from "../check-read";
import { payloadExpr, scopeConditions } from "../scope-sql";
import { datasetOf, visibleDevices, type RollupColumn } from "./map-basis";
import { maskedSource, regroupedColumns } from "./map-frames";
import { scopedLatestRows, type LatestRow } from "./map-latest";

/**
 * The feature panel's reads under a raw basis: a device's (or incident's) newest reading at
 * a moment and a device's rollup series, only inside the grant's area and data window, with
 * the granted fields only. Feature details show one device's values, so other scopes are
 * refused by the caller before these are reached.
 */

const parse = (p: unknown): Record<string, unknown> => (typeof p === "string" ? (JSON.parse(p) as Record<string, unknown>) : ((p ?? {}) as Record<string, unknown>));

function requireRaw(basis: ReadBasis) {
  if (basis.scope !== "raw") throw new Error(`feature details need raw scope, not ${basis.scope} (${basis.datasetId})`);
}

/** A device's newest reading observed at or before `to` (live: the rollup's latest row). */
export async function scopedDeviceLatest(sql: Sql, basis: ReadBasis, device: string, to: Date, live: boolean): Promise<LatestRow | null> {
  requireRaw(basis);
  if (live) return (await scopedLatestRows(sql, basis, { from: new Date(0), to }, { live: true, devices: [device] }))[0] ?? null;
  const visible = visibleDevices(basis, [device]);
  if (visible && visible.length === 0) return null;
  const params: unknown[] = [device, to.toISOString(), basis.datasetId];
  const conds = scopeConditions(basis, params, "r").map((c) => ` AND ${c}`).join("");
  const rows = await sql.query<{ device_id: string; observed_at: Date; leaf_index: number; lon: number; lat: number; payload: unknown }>(
    `SELECT r.device_id, r.observed_at, r.leaf_index::float8 AS leaf_index, r.lon, r.lat, ${payloadExpr(datasetOf(basis), basis, "r")} AS payload FROM reading r
      WHERE r.device_id = $1 AND r.observed_at <= $2 AND r.dataset_id = $3${conds} ORDER BY r.observed_at DESC, r.leaf_index DESC LIMIT 1`,
    params,
  );
  return rows.map((x) => ({ key: x.device_id, device_id: x.device_id, observed_at: new Date(x.observed_at), leaf_index: Number(x.leaf_index), lon: Number(x.lon), lat: Number(x.lat), payload: parse(x.payload) }))[0] ?? null;
}

/** An incident's newest reading observed at or before `to`. */
export async function scopedIncidentLatest(sql: Sql, basis: ReadBasis, incidentId: string, to: Date): Promise<LatestRow | null> {
  requireRaw(basis);
  const params: unknown[] = [incidentId, to.toISOString()];
  const conds = scopeConditions(basis, params, "r").map((c) => ` AND ${c}`).join("");
  const rows = await sql.query<{ device_id: string; observed_at: Date; leaf_index: number; lon: number; lat: number; payload: unknown }>(
    `SELECT r.device_id, r.observed_at, r.leaf_index::float8 AS leaf_index, r.lon, r.lat, ${payloadExpr(datasetOf(basis), basis, "r")} AS payload FROM reading r
      WHERE r.dataset_id = 'safety.incidents' AND r.payload->>'incidentId' = $1 AND r.observed_at <= $2${conds}
      ORDER BY r.observed_at DESC, r.leaf_index DESC LIMIT 1`,
    params,
  );
  return rows.map((x) => ({ key: incidentId, device_id: x.device_id, observed_at: new Date(x.observed_at), leaf_index: Number(x.leaf_index), lon: Number(x.lon), lat: Number(x.lat), payload: parse(x.payload) }))[0] ?? null;
}

/** Sums per device and regrouped bucket of the devices' rollup in [from, to); withheld columns NULL. */
export async function scopedDeviceSeries(
  sql: Sql,
  basis: ReadBasis,
  devices: string[],
  w: { from: Date; to: Date; bucketS: number },
): Promise<({ device_id: string; bb: number; n: number } & Partial<Record<RollupColumn, number | null>>)[]> {
  requireRaw(basis);
  const visible = visibleDevices(basis, devices) ?? devices;
  if (visible.length === 0) return [];
  const params: unknown[] = [basis.datasetId, w.from.toISOString(), w.to.toISOString(), w.bucketS];
  const src = maskedSource(basis, params, visible);
  return sql.query(
    `SELECT device_id, floor(extract(epoch FROM bucket) / $4)::float8 AS bb, sum(n)::float8 AS n${regroupedColumns(basis.datasetId)}
       FROM (${src}) s GROUP BY 1, 2`,
    params,
  );
}
