import { DATASETS } from "../../city";
import type { Sql, SqlTx } from "../../db/sql";
import { AppError, badRequest } from "../../errors";
import type { ReadBasis } from "../check-read";
import { allowedFields, scopeConditions } from "../scope-sql";

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

export type SourceReading = { leafIndex: number; device: string; observedAt: string; value: number | string | null };

const later = (a: string, b: string | null) => (b !== null && Date.parse(b) > Date.parse(a) ? b : a);
const earlier = (a: string, b: string | null) => (b !== null && Date.parse(b) < Date.parse(a) ? b : a);

/**
 * The individual readings of `basis.datasetId` in a time window and box, newest first, each
 * with its ledger leaf: what a derived value was computed from. Sources name devices and
 * exact times, so they need raw scope (403 otherwise, pointing at the readings API, which
 * serves what the scope allows). The grant's data window is intersected with the request's
 * (`range` is the result, null when they do not meet), its area applied in SQL, and `field`
 * must be one the grant covers (403 naming it; 400 when the dataset has no such field).
 * `total` counts only what the terms allow.
 */
export async function readSources(sql: Sql | SqlTx, basis: ReadBasis, q: Omit<SourceQuery, "dataset">): Promise<{ total: number; sources: SourceReading[]; range: { from: string; to: string } | null }> {
  if (basis.scope !== "raw") {
    throw new AppError(
      "forbidden",
      `sources of ${basis.datasetId} need raw access; the viewer holds ${basis.scope} under grant ${basis.grantId}`,
      `Sources list individual readings (device, exact time, value), which needs raw access; your department holds ${basis.scope} access to ${basis.datasetId} (grant ${basis.grantId}). Read what it allows at /api/datasets/${basis.datasetId}/readings`,
      { scope: basis.scope },
    );
  }
  if (q.field !== undefined) requireGrantedField(basis, q.field);
  const from = later(new Date(q.from).toISOString(), basis.window.from);
  const to = earlier(new Date(q.to).toISOString(), basis.window.until);
  if (Date.parse(from) >= Date.parse(to)) return { total: 0, sources: [], range: null };

  const [minLon, minLat, maxLon, maxLat] = q.bbox ?? [-180, -90, 180, 90];
  const params: unknown[] = [basis.datasetId, from, to, minLon, maxLon, minLat, maxLat, q.device ?? null];
  const where = [
    `r.dataset_id = $1 AND r.observed_at >= $2 AND r.observed_at < $3 AND r.lon BETWEEN $4 AND $5 AND r.lat BETWEEN $6 AND $7`,
    `($8::text IS NULL OR r.device_id = $8)`,
    ...scopeConditions(basis, params),
  ].join(" AND ");
  const [{ n }] = await sql.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM reading r WHERE ${where}`, params);
  const valueParams = [...params, q.field ?? null];
  const rows = await sql.query<{ leaf_index: number; device_id: string; observed_at: Date; value: string | null }>(
    `SELECT r.leaf_index, r.device_id, r.observed_at, CASE WHEN $${valueParams.length}::text IS NULL THEN NULL ELSE r.payload->>$${valueParams.length} END AS value
       FROM reading r WHERE ${where} ORDER BY r.observed_at DESC, r.leaf_index DESC LIMIT ${Math.trunc(q.limit)}`,
    valueParams,
  );
  return {
    total: Number(n),
    range: { from, to },
    sources: rows.map((r) => ({
      leafIndex: Number(r.leaf_index),
      device: r.device_id,
      observedAt: new Date(r.observed_at).toISOString(),
      value: r.value === null ? null : Number.isFinite(Number(r.value)) ? Number(r.value) : r.value,
    })),
  };
}

/** 400 when the dataset has no such field; 403 naming it when the basis does not cover it. */
function requireGrantedField(basis: ReadBasis, field: string): void {
  const dataset = DATASETS.find((d) => d.id === basis.datasetId);
  if (dataset && !Object.hasOwn(dataset.schema.fields, field)) {
    throw badRequest(`field: ${basis.datasetId} has no field ${field} (its fields: ${Object.keys(dataset.schema.fields).join(", ")})`);
  }
  if (basis.fields === null) return;
  if (!dataset || !allowedFields(dataset, basis).includes(field)) {
    throw new AppError(
      "forbidden",
      `field ${field} of ${basis.datasetId} is not granted under grant ${basis.grantId}`,
      `Field ${field} is not among the fields grant ${basis.grantId} covers (${basis.fields.join(", ") || "none"}).`,
      { field },
    );
  }
}
