import { DATASETS } from "../city";
import type { Dataset } from "../city/types";
import { getDb } from "../db/client";
import { badRequest, notFound } from "../errors";
import type { Viewer } from "./viewer";
import { accessInfo, checkRead, type AccessInfo } from "./check-read";
import { recordRead } from "./record-read";
import { AGGREGATE_BUCKET_S, ANON_LOCATION_STEP_DEG, ANON_TIME_STEP_S, numericFields, payloadExpr, scopeConditions } from "./scope-sql";

const DEFAULT_WINDOW_MS = 60 * 60_000;

export type RawReading = { id: number; device: string; observedAt: string; location: [number, number]; values: Record<string, unknown>; leafIndex: number };
export type AnonymizedReading = { observedAt: string; location: [number, number]; values: Record<string, unknown> };
export type AggregateRow = { bucket: string; count: number; stats: Record<string, { avg: number | null; min: number | null; max: number | null }> };

export type DatasetReadings =
  | { dataset: string; access: AccessInfo; scope: "raw"; readings: RawReading[] }
  | { dataset: string; access: AccessInfo; scope: "anonymized"; readings: AnonymizedReading[] }
  | { dataset: string; access: AccessInfo; scope: "aggregated"; bucketSeconds: number; aggregates: AggregateRow[] };

/**
 * A dataset's readings as the viewer may see them, with the grant's scope applied in the
 * query: raw readings (allowed fields only), anonymized ones (no device, reading id or
 * leaf; identifying fields dropped; location, time and some values coarsened), or only
 * counts and averages per 15-minute bucket. The data window and area of a grant further
 * restrict the rows. The read is recorded as an access event.
 */
export async function readDataset(opts: {
  viewer: Viewer;
  datasetId: string;
  from?: string;
  until?: string;
  bbox?: [number, number, number, number];
  limit?: number;
}): Promise<DatasetReadings> {
  const dataset: Dataset | undefined = DATASETS.find((d) => d.id === opts.datasetId);
  const db = await getDb();
  const basis = await checkRead(db.sql, opts.viewer, opts.datasetId);
  if (!dataset) throw notFound("dataset", opts.datasetId);
  const until = opts.until ? new Date(opts.until) : new Date();
  const from = opts.from ? new Date(opts.from) : new Date(until.getTime() - DEFAULT_WINDOW_MS);
  if (from > until) throw badRequest("from: the time window ends before it starts");
  const limit = opts.limit ?? 1000;
  const params: unknown[] = [opts.datasetId, from.toISOString(), until.toISOString()];
  const where = [`r.dataset_id = $1`, `r.observed_at >= $2`, `r.observed_at < $3`, ...scopeConditions(basis, params)];
  if (opts.bbox) {
    params.push(...opts.bbox);
    const n = params.length;
    where.push(`r.lon BETWEEN $${n - 3} AND $${n - 1} AND r.lat BETWEEN $${n - 2} AND $${n}`);
  }
  params.push(limit);
  const lim = `$${params.length}`;
  const access = accessInfo(basis);
  const record = (count: number) => recordRead(db.sql, opts.viewer, basis, { action: "readings", count, from, until });

  if (basis.scope === "aggregated") {
    const nums = numericFields(dataset, basis);
    const stats = nums.map((f) => `avg((r.payload->>'${f}')::float8) AS "${f}_avg", min((r.payload->>'${f}')::float8) AS "${f}_min", max((r.payload->>'${f}')::float8) AS "${f}_max"`);
    const rows = await db.sql.query<Record<string, unknown> & { bucket: Date; n: number }>(
      `SELECT to_timestamp(floor(extract(epoch FROM r.observed_at) / ${AGGREGATE_BUCKET_S}) * ${AGGREGATE_BUCKET_S}) AS bucket,
              count(*)::int AS n${stats.length ? `, ${stats.join(", ")}` : ""}
         FROM reading r WHERE ${where.join(" AND ")}
        GROUP BY 1 ORDER BY 1 DESC LIMIT ${lim}`,
      params,
    );
    const aggregates = rows.map((r) => ({
      bucket: new Date(r.bucket).toISOString(),
      count: Number(r.n),
      stats: Object.fromEntries(nums.map((f) => [f, { avg: num(r[`${f}_avg`]), min: num(r[`${f}_min`]), max: num(r[`${f}_max`]) }])),
    }));
    await record(aggregates.reduce((s, a) => s + a.count, 0));
    return { dataset: dataset.id, access, scope: "aggregated", bucketSeconds: AGGREGATE_BUCKET_S, aggregates };
  }

  if (basis.scope === "anonymized") {
    const step = ANON_LOCATION_STEP_DEG;
    const rows = await db.sql.query<{ t: Date; lon: number; lat: number; values: Record<string, unknown> }>(
      `SELECT to_timestamp(floor(extract(epoch FROM r.observed_at) / ${ANON_TIME_STEP_S}) * ${ANON_TIME_STEP_S}) AS t,
              round(r.lon / ${step}) * ${step} AS lon, round(r.lat / ${step}) * ${step} AS lat,
              ${payloadExpr(dataset, basis)} AS values
         FROM reading r WHERE ${where.join(" AND ")}
        ORDER BY r.observed_at DESC LIMIT ${lim}`,
      params,
    );
    const readings = rows.map((r) => ({
      observedAt: new Date(r.t).toISOString(),
      location: [round(Number(r.lon)), round(Number(r.lat))] as [number, number],
      values: r.values,
    }));
    await record(readings.length);
    return { dataset: dataset.id, access, scope: "anonymized", readings };
  }

  const rows = await db.sql.query<{ id: number; device_id: string; observed_at: Date; lon: number; lat: number; values: Record<string, unknown>; leaf_index: number }>(
    `SELECT r.id, r.device_id, r.observed_at, r.lon, r.lat, ${payloadExpr(dataset, basis)} AS values, r.leaf_index
       FROM reading r WHERE ${where.join(" AND ")}
      ORDER BY r.observed_at DESC LIMIT ${lim}`,
    params,
  );
  const readings = rows.map((r) => ({
    id: Number(r.id),
    device: r.device_id,
    observedAt: new Date(r.observed_at).toISOString(),
    location: [r.lon, r.lat] as [number, number],
    values: r.values,
    leafIndex: Number(r.leaf_index),
  }));
  await record(readings.length);
  return { dataset: dataset.id, access, scope: "raw", readings };
}

const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);
const round = (v: number) => Math.round(v * 1e6) / 1e6;
