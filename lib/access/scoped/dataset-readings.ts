import type { Dataset } from "../../city/types";
import type { Sql } from "../../db/sql";
import type { ReadBasis } from "../check-read";
import { numericFields, payloadExpr, scopeConditions } from "../scope-sql";
import { gridOf, minGroupDevices, snapBbox, snapWindow, type GridInfo } from "./grid";

export type RawReading = { id: number; device: string; observedAt: string; location: [number, number]; values: Record<string, unknown>; leafIndex: number };
export type AnonymizedReading = { observedAt: string; location: [number, number]; values: Record<string, unknown> };
export type AggregateStats = Record<string, { avg: number | null; min: number | null; max: number | null }>;
/** One time bucket: its count and stats, or `suppressed` when it covers fewer than k distinct devices. */
export type AggregateRow =
  | { bucket: string; suppressed: false; count: number; devices: number; stats: AggregateStats }
  | { bucket: string; suppressed: true; count: null; devices: null; stats: null };

export type ScopedReadings =
  | { scope: "raw"; readings: RawReading[]; count: number }
  | { scope: "anonymized"; readings: AnonymizedReading[]; count: number; grid: GridInfo }
  | { scope: "aggregated"; bucketSeconds: number; aggregates: AggregateRow[]; count: number; grid: GridInfo };

export type ReadingsFilter = { from: Date; until: Date; bbox?: readonly [number, number, number, number]; limit: number };

const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);
const r6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * A dataset's readings exactly as the basis allows, in one query each:
 * - raw: the granted fields of readings inside the grant's window and area;
 * - anonymized: no device, reading id or leaf; identifying fields dropped; values, location
 *   (0.01°) and time (5 min) coarsened in the query, and the request's bbox and window
 *   compared with the coarsened values after widening them to that grid;
 * - aggregated: counts and stats of granted numeric fields per 15-minute bucket over the
 *   widened bbox and window, each bucket over at least k distinct devices (smaller ones are
 *   returned as suppressed, with no figures).
 * The grant's own window and area always apply to the readings as observed.
 */
export async function scopedDatasetReadings(sql: Sql, dataset: Dataset, basis: ReadBasis, f: ReadingsFilter): Promise<ScopedReadings> {
  const grid = gridOf(basis.scope);
  const win = grid ? snapWindow(f.from, f.until, grid.timeS) : { from: f.from, until: f.until };
  const bbox = f.bbox && grid ? snapBbox(f.bbox, grid.locationDeg) : f.bbox;
  const params: unknown[] = [dataset.id, win.from.toISOString(), win.until.toISOString()];
  const where = [`r.dataset_id = $1`, `r.observed_at >= $2`, `r.observed_at < $3`, ...scopeConditions(basis, params)];
  const step = grid?.locationDeg;
  const lon = step ? `round(r.lon / ${step}) * ${step}` : "r.lon";
  const lat = step ? `round(r.lat / ${step}) * ${step}` : "r.lat";
  if (bbox) {
    params.push(...bbox);
    const n = params.length;
    // Coarsened locations against the widened bbox: a bbox inside one cell cannot isolate a reading.
    where.push(`${lon} BETWEEN $${n - 3} - 1e-9 AND $${n - 1} + 1e-9 AND ${lat} BETWEEN $${n - 2} - 1e-9 AND $${n} + 1e-9`);
  }
  params.push(f.limit);
  const lim = `$${params.length}`;
  const gridInfo = (extra: Partial<GridInfo> = {}): GridInfo => ({
    locationDeg: grid!.locationDeg,
    timeSeconds: grid!.timeS,
    from: win.from.toISOString(),
    until: win.until.toISOString(),
    ...(bbox ? { bbox: [...bbox] as [number, number, number, number] } : {}),
    ...extra,
  });

  if (basis.scope === "aggregated") {
    const k = minGroupDevices();
    const nums = numericFields(dataset, basis);
    const stats = nums.map((x) => `avg((r.payload->>'${x}')::float8) AS "${x}_avg", min((r.payload->>'${x}')::float8) AS "${x}_min", max((r.payload->>'${x}')::float8) AS "${x}_max"`);
    const rows = await sql.query<Record<string, unknown> & { bucket: Date; n: number; devices: number }>(
      `SELECT to_timestamp(floor(extract(epoch FROM r.observed_at) / ${grid!.timeS}) * ${grid!.timeS}) AS bucket,
              count(*)::int AS n, count(DISTINCT r.device_id)::int AS devices${stats.length ? `, ${stats.join(", ")}` : ""}
         FROM reading r WHERE ${where.join(" AND ")}
        GROUP BY 1 ORDER BY 1 DESC LIMIT ${lim}`,
      params,
    );
    let count = 0;
    const aggregates: AggregateRow[] = rows.map((r) => {
      const bucket = new Date(r.bucket).toISOString();
      if (Number(r.devices) < k) return { bucket, suppressed: true, count: null, devices: null, stats: null };
      count += Number(r.n);
      const s: AggregateStats = Object.fromEntries(nums.map((x) => [x, { avg: num(r[`${x}_avg`]), min: num(r[`${x}_min`]), max: num(r[`${x}_max`]) }]));
      return { bucket, suppressed: false, count: Number(r.n), devices: Number(r.devices), stats: s };
    });
    return { scope: "aggregated", bucketSeconds: grid!.timeS, aggregates, count, grid: gridInfo({ minGroupDevices: k }) };
  }

  if (basis.scope === "anonymized") {
    const t = `to_timestamp(floor(extract(epoch FROM r.observed_at) / ${grid!.timeS}) * ${grid!.timeS})`;
    const rows = await sql.query<{ t: Date; lon: number; lat: number; values: Record<string, unknown> }>(
      `SELECT ${t} AS t, ${lon} AS lon, ${lat} AS lat, ${payloadExpr(dataset, basis)} AS values
         FROM reading r WHERE ${where.join(" AND ")}
        ORDER BY 1 DESC, 2, 3 LIMIT ${lim}`,
      params,
    );
    const readings = rows.map((r) => ({ observedAt: new Date(r.t).toISOString(), location: [r6(Number(r.lon)), r6(Number(r.lat))] as [number, number], values: r.values }));
    return { scope: "anonymized", readings, count: readings.length, grid: gridInfo() };
  }

  const rows = await sql.query<{ id: number; device_id: string; observed_at: Date; lon: number; lat: number; values: Record<string, unknown>; leaf_index: number }>(
    `SELECT r.leaf_index AS id, r.device_id, r.observed_at, r.lon, r.lat, ${payloadExpr(dataset, basis)} AS values, r.leaf_index
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
  return { scope: "raw", readings, count: readings.length };
}
