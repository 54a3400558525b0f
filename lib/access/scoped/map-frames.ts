import type { Sql } from "../../db/sql";
import type { BBox } from "../../city/types";
import type { ScopedCellFrames } from "../../api/map-specs";
import { getCity } from "../../city/current-city";
import { cellId, hexGrid } from "../../map/hex-grid";
import { q8 } from "../../map/q8";
import { BUCKET_S, readingBucketSums } from "../../map/rollup";
import { inBbox } from "../../map/traffic-index";
import type { ReadBasis } from "../check-read";
import { allowedFields, ANON_LOCATION_STEP_DEG, ANONYMIZATION, payloadExpr, scopeConditions } from "../scope-sql";
import { AGGREGATE_HEX_RADIUS_M, bucketWindowConditions, datasetDeviceIds, datasetOf, deviceLocation, minGroupDevices, rollupColumn, rollupColumns, visibleDevices, type RollupColumn } from "./map-basis";

/**
 * The map's replay reads of the 5-minute rollup (map_bucket_5m) and of incident readings
 * under a read basis: only buckets wholly inside the grant's data window, only devices inside
 * its area, and value columns computed from withheld fields read as NULL. Datasets held
 * anonymized or aggregated replay as cells (see scopedFrameCells).
 */

/**
 * Rollup sums as the basis may see them, per device and 5-minute bucket: device_id, bucket,
 * n and the dataset's value columns (rollupColumns), withheld ones NULL, under their names.
 * `params` holds $1 dataset, $2 from and $3 to (bucket starts in [from, to)).
 *
 * A grant with an area holds the readings taken inside it, by the place each reading carries
 * (scopeConditions, as every raw read). The rollup sums a device's readings per bucket,
 * wherever each was taken, so under an area the same rows are summed from the readings
 * themselves (readingBucketSums), only those inside the area and data window: a device
 * standing inside the edge whose reading says it was outside shows nothing of that reading.
 * Area grants come from linkage rules for an incident's surroundings, a small part of the city.
 */
export function maskedSource(basis: ReadBasis, params: unknown[], devices: string[] | null): string {
  const cols = rollupColumns(basis.datasetId).map((c) => `, ${rollupColumn(basis, c)} AS ${c}`).join("");
  if (basis.area) {
    const where = [`r.dataset_id = $1`, `r.observed_at >= $2::timestamptz`, `r.observed_at < $3::timestamptz + interval '${BUCKET_S} seconds'`];
    if (devices) {
      params.push(devices);
      where.push(`r.device_id = ANY($${params.length}::text[])`);
    }
    where.push(...scopeConditions(basis, params, "r"));
    return `SELECT device_id, bucket, n${cols} FROM (${readingBucketSums(where, params)}) s WHERE bucket >= $2 AND bucket < $3`;
  }
  const conds = bucketWindowConditions(basis, params);
  if (devices) {
    params.push(devices);
    conds.push(`device_id = ANY($${params.length}::text[])`);
  }
  return `SELECT device_id, bucket, n${cols}
            FROM map_bucket_5m WHERE dataset_id = $1 AND bucket >= $2 AND bucket < $3${conds.map((x) => ` AND ${x}`).join("")}`;
}

/**
 * The dataset's rollup columns regrouped: sums summed, the worst state its largest, each
 * under its own name (SQL select items over maskedSource's rows).
 */
export function regroupedColumns(datasetId: string): string {
  return rollupColumns(datasetId).map((c) => `, ${c === "worst_state" ? "max" : "sum"}(${c}) AS ${c}`).join("");
}

/**
 * Per-bucket means of the 5-minute rollup regrouped to `bucketS`: per bucket a string
 * "device q q …,device q q …" of integer expressions over the bucket's columns (the
 * dataset's rollup columns, summed, worst_state its largest, and n readings). Integers
 * travel faster than numerics.
 * Devices outside the basis's area are never read; `devices` narrows further (a bbox).
 */
export async function scopedBucketMeans(
  sql: Sql,
  basis: ReadBasis,
  w: { from: Date; to: Date; bucketS: number },
  exprs: string[],
  devices: string[] | null,
): Promise<{ t: number; v: string }[]> {
  const visible = visibleDevices(basis, devices);
  if (visible && visible.length === 0) return [];
  const params: unknown[] = [basis.datasetId, w.from.toISOString(), w.to.toISOString(), w.bucketS];
  const src = maskedSource(basis, params, visible);
  const cols = exprs.map((e) => `' ' || coalesce((${e})::int8::text, 'x')`).join(" || ");
  const rows = await sql.query<{ t: number; v: string }>(
    `SELECT bb * $4 AS t, string_agg(device_id || ${cols}, ',') AS v
       FROM (SELECT device_id, floor(extract(epoch FROM bucket) / $4)::bigint AS bb,
                    sum(n) AS n${regroupedColumns(basis.datasetId)}
               FROM (${src}) s GROUP BY 1, 2) x
      GROUP BY bb`,
    params,
  );
  return rows.map((r) => ({ t: Number(r.t), v: r.v }));
}

/**
 * Consumption per hexagon cell and bucket: each feeder meter's mean load times its share of
 * the cell (`shares`), summed in SQL. Meters outside the area, loads withheld, and buckets
 * outside the window are never read.
 */
export async function scopedCellLoad(
  sql: Sql,
  basis: ReadBasis,
  w: { from: Date; to: Date; bucketS: number },
  shares: { meter: string[]; cell: number[]; share: number[] },
): Promise<{ t: number; v: string }[]> {
  const visible = visibleDevices(basis, null);
  const params: unknown[] = [basis.datasetId, w.from.toISOString(), w.to.toISOString(), w.bucketS];
  const src = maskedSource(basis, params, visible);
  params.push(shares.meter, shares.cell, shares.share);
  const n = params.length;
  return (
    await sql.query<{ t: number; v: string }>(
      `WITH sh AS (SELECT * FROM unnest($${n - 2}::text[], $${n - 1}::int[], $${n}::float8[]) AS s(device_id, cell, share))
       SELECT bb * $4 AS t, string_agg(cell || ' ' || round(load * 1000)::int8, ',') AS v
         FROM (SELECT x.bb, sh.cell, sum(x.load * sh.share) AS load
                 FROM (SELECT device_id, floor(extract(epoch FROM bucket) / $4)::bigint AS bb, sum(load_mw_sum) / sum(n) AS load
                         FROM (${src}) s GROUP BY 1, 2) x
                 JOIN sh USING (device_id)
                WHERE x.load IS NOT NULL
                GROUP BY x.bb, sh.cell) c
        GROUP BY bb`,
      params,
    )
  ).map((r) => ({ t: Number(r.t), v: r.v }));
}

/** The version of each chunk of `chunkMs` (or bucket, given a bucket's length): the largest ledger leaf the rollup folded into it (map_bucket_total), by its start in ms. */
export async function frameChunkVersions(sql: Sql, datasets: string[], from: Date, to: Date, chunkMs: number): Promise<Map<number, number>> {
  const rows = await sql.query<{ c: number; v: number }>(
    `SELECT floor(extract(epoch FROM bucket) * 1000 / $4)::float8 AS c, max(last_leaf)::float8 AS v
       FROM map_bucket_total WHERE dataset_id = ANY($1::text[]) AND bucket >= $2 AND bucket < $3 GROUP BY 1`,
    [datasets, from.toISOString(), to.toISOString(), chunkMs],
  );
  return new Map(rows.map((r) => [Number(r.c) * chunkMs, Number(r.v)]));
}

/** A raw basis with no limit of area, fields or data window: it sees the whole dataset, as a stored whole-city chunk holds it. */
export const wholeDatasetBasis = (b: ReadBasis): boolean => b.scope === "raw" && !b.fields && !b.area && !b.window.from && !b.window.until;

/** A stored whole-city replay chunk (map_frame_chunk); `data` as lib/map/frame-chunks.ts encodes it. */
export type StoredFrameChunk = { start: number; version: number; series: { name: string; width: number; scale: number }[]; data: Uint8Array };

/**
 * The stored whole-city replay chunks of the basis's dataset starting at `starts` (ms), computed
 * for the city `cityKey` at `bucketS`. They hold every device's series, so they are read only
 * for a basis that sees the whole dataset (wholeDatasetBasis); for any other basis none are
 * returned, and its replay is aggregated from the rollup under its limits (scopedBucketMeans).
 */
export async function scopedStoredFrameChunks(sql: Sql, basis: ReadBasis, cityKey: string, bucketS: number, starts: number[]): Promise<Map<number, StoredFrameChunk>> {
  const out = new Map<number, StoredFrameChunk>();
  if (!wholeDatasetBasis(basis) || starts.length === 0) return out;
  // The bytes travel as base64 text: PGlite parses a bytea result in JavaScript about ten times
  // slower than Buffer decodes base64 (210–250 ms against 13–34 ms of CPU for a day of a size-1 city's traffic).
  const rows = await sql.query<{ t: number; version: number; series: StoredFrameChunk["series"] | string; data: string }>(
    `SELECT extract(epoch FROM chunk_start)::float8 * 1000 AS t, version::float8 AS version, series, encode(data, 'base64') AS data FROM map_frame_chunk
      WHERE dataset_id = $1 AND bucket_s = $2 AND city_key = $3 AND chunk_start = ANY($4::timestamptz[])`,
    [basis.datasetId, bucketS, cityKey, starts.map((t) => new Date(t).toISOString())],
  );
  for (const r of rows) {
    const start = Math.round(Number(r.t));
    out.set(start, { start, version: Number(r.version), series: typeof r.series === "string" ? JSON.parse(r.series) : r.series, data: new Uint8Array(Buffer.from(r.data, "base64")) });
  }
  return out;
}

/** Incident readings in [from, to) under a raw basis (window, area, fields applied), oldest first. */
export async function scopedIncidentReadings(sql: Sql, basis: ReadBasis, from: Date, to: Date): Promise<{ payload: Record<string, unknown>; observed_at: Date; lon: number; lat: number }[]> {
  if (basis.scope !== "raw") throw new Error(`incident timelines need raw scope, not ${basis.scope}`);
  const params: unknown[] = [from.toISOString(), to.toISOString()];
  const conds = scopeConditions(basis, params, "r").map((c) => ` AND ${c}`).join("");
  const rows = await sql.query<{ payload: Record<string, unknown> | string; observed_at: Date; lon: number; lat: number }>(
    `SELECT ${payloadExpr(datasetOf(basis), basis, "r")} AS payload, r.observed_at, r.lon, r.lat FROM reading r
      WHERE r.dataset_id = 'safety.incidents' AND r.observed_at >= $1 AND r.observed_at < $2${conds}
      ORDER BY r.observed_at, r.leaf_index`,
    params,
  );
  return rows.map((r) => ({
    payload: (typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>,
    observed_at: new Date(r.observed_at),
    lon: Number(r.lon),
    lat: Number(r.lat),
  }));
}

/** The value each dataset's cells replay: a rollup column, its field and unit. */
const CELL_VALUE: Record<string, { col: RollupColumn; key: string; unit: string }> = {
  "traffic.flow": { col: "speed_kmh_sum", key: "speedKmh", unit: "km/h" },
  // Feeders' utilisation (production sites have none: they count as reporting, without a value).
  "energy.load": { col: "utilisation_sum", key: "utilisation", unit: "1" },
  "safety.cameras": { col: "vehicles_per_min_sum", key: "vehiclesPerMin", unit: "veh/min" },
};

/** Cell state codes of ScopedCellFrames.state. */
export const CELL_NO_DATA = 0, CELL_SUPPRESSED = 1, CELL_VALUE_CODE = 2;

/**
 * Replay of a dataset held anonymized or aggregated: per bucket and cell the mean of the
 * dataset's display value over its devices. Anonymized: each device's bucket mean is
 * coarsened as ANONYMIZATION says and placed on the 0.01° grid before grouping. Aggregated:
 * hexagons, a value only where at least k distinct devices reported in the bucket. Null for
 * datasets the rollup does not keep (incidents replay through scopedIncidentFrameCells).
 */
export async function scopedFrameCells(sql: Sql, basis: ReadBasis, w: { from: Date; count: number; bucketS: number }, bbox?: BBox): Promise<ScopedCellFrames | null> {
  if (basis.scope === "raw") throw new Error(`scopedFrameCells is for anonymized or aggregated scope (${basis.datasetId})`);
  const spec = CELL_VALUE[basis.datasetId];
  if (!spec) return null;
  const to = new Date(w.from.getTime() + w.count * w.bucketS * 1000);
  const visible = visibleDevices(basis, null);
  const params: unknown[] = [basis.datasetId, w.from.toISOString(), to.toISOString(), w.bucketS];
  const src = maskedSource(basis, params, visible);
  const rows = await sql.query<{ device_id: string; bb: number; v: number | null }>(
    `SELECT device_id, floor(extract(epoch FROM bucket) / $4)::float8 AS bb, sum(${spec.col}) / sum(n) AS v
       FROM (${src}) s GROUP BY 1, 2`,
    params,
  );
  const k = minGroupDevices();
  const anon = basis.scope === "anonymized";
  const step = anon ? ANONYMIZATION[basis.datasetId]?.coarsen[spec.key] : undefined;
  const cellOf = frameCellOf(basis);
  // Every cell any device of the dataset (in the area) falls in, so frames keep one column order.
  const cells = new Map<string, { pos: [number, number]; col: number }>(); // col -1: outside the bbox
  const deviceCell = new Map<string, string>();
  const devices = visible ?? datasetDeviceIds(basis.datasetId);
  for (const id of devices.sort()) {
    const p = deviceLocation(id);
    if (!p) continue;
    const c = cellOf(p);
    deviceCell.set(id, c.id);
    if (!cells.has(c.id)) cells.set(c.id, { pos: c.pos, col: 0 });
  }
  const ids = [...cells.keys()].sort().filter((id) => {
    const p = cells.get(id)!.pos;
    return !bbox || (p[0] >= bbox[0] && p[0] <= bbox[2] && p[1] >= bbox[1] && p[1] <= bbox[3]);
  });
  for (const c of cells.values()) c.col = -1;
  ids.forEach((id, i) => (cells.get(id)!.col = i));
  const width = ids.length;
  const sum = new Float64Array(w.count * width), n = new Float64Array(w.count * width), seen = new Uint16Array(w.count * width);
  const first = w.from.getTime() / 1000 / w.bucketS;
  for (const r of rows) {
    const b = Math.round(Number(r.bb) - first);
    const cid = deviceCell.get(r.device_id);
    const c = cid ? cells.get(cid) : undefined;
    if (b < 0 || b >= w.count || !c || c.col < 0) continue;
    const i = b * width + c.col;
    seen[i]++;
    if (r.v === null || !Number.isFinite(Number(r.v))) continue;
    // Anonymized: each device's value is coarsened before it is grouped.
    const v = step?.kind === "round" ? Math.round(Number(r.v) / step.step) * step.step : Number(r.v);
    sum[i] += v;
    n[i]++;
  }
  const values = new Float64Array(w.count * width).fill(Number.NaN);
  const state = new Float64Array(w.count * width).fill(CELL_NO_DATA);
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    if (seen[i] === 0) continue;
    if (!anon && seen[i] < k) {
      state[i] = CELL_SUPPRESSED;
      continue;
    }
    if (n[i] === 0) continue;
    const mean = sum[i] / n[i];
    values[i] = step?.kind === "round" ? Math.round(mean / step.step) * step.step : mean;
    state[i] = CELL_VALUE_CODE;
    if (values[i] > max) max = values[i];
  }
  const position: number[] = [];
  for (const id of ids) position.push(...cells.get(id)!.pos);
  return cellFrames(basis, { key: spec.key, unit: spec.unit }, ids, position, values, state, max);
}

/** The cell a location falls in under the basis: the 0.01° grid point (anonymized) or the hexagon (aggregated). */
function frameCellOf(basis: ReadBasis): (p: [number, number]) => { id: string; pos: [number, number] } {
  if (basis.scope === "anonymized") {
    const s = (v: number) => Number((Math.round(v / ANON_LOCATION_STEP_DEG) * ANON_LOCATION_STEP_DEG).toFixed(2));
    return (p) => {
      const pos: [number, number] = [s(p[0]), s(p[1])];
      return { id: `g:${pos[0].toFixed(2)},${pos[1].toFixed(2)}`, pos };
    };
  }
  const grid = hexGrid(getCity().center, AGGREGATE_HEX_RADIUS_M);
  return (p) => {
    const { q, r } = grid.cellOf(p);
    const c = grid.centerOf(q, r);
    return { id: `h:${cellId(q, r)}`, pos: [Math.round(c[0] * 1e5) / 1e5, Math.round(c[1] * 1e5) / 1e5] };
  };
}

function cellFrames(basis: ReadBasis, field: ScopedCellFrames["field"], ids: string[], position: number[], values: Float64Array, state: Float64Array, max: number): ScopedCellFrames {
  const anon = basis.scope === "anonymized";
  return {
    datasetId: basis.datasetId,
    scope: anon ? "anonymized" : "aggregated",
    shape: anon ? "grid" : "hex",
    sizeM: anon ? Math.round(ANON_LOCATION_STEP_DEG * 110_540) : AGGREGATE_HEX_RADIUS_M,
    k: anon ? null : minGroupDevices(),
    field,
    ids,
    position,
    q: q8(values, Math.max(0.001, max / 250)),
    state: q8(state, 1),
  };
}

/**
 * Replay of incidents held anonymized or aggregated: per bucket and cell the mean severity of
 * the incidents open at the bucket's end (their newest reading in the window so far is not
 * "resolved"), as the live cells show it. Locations are snapped in SQL under anonymized
 * scope; incident ids serve only to follow each incident's state here and never leave.
 * Aggregated: a value only where at least k distinct reporting devices stand behind it.
 * Null when the grant withholds status or severity.
 */
export async function scopedIncidentFrameCells(sql: Sql, basis: ReadBasis, w: { from: Date; count: number; bucketS: number }, bbox?: BBox): Promise<ScopedCellFrames | null> {
  if (basis.scope === "raw") throw new Error(`scopedIncidentFrameCells is for anonymized or aggregated scope (${basis.datasetId})`);
  const granted = allowedFields(datasetOf(basis), { fields: basis.fields, scope: "raw" });
  if (!granted.includes("status") || !granted.includes("severity")) return null;
  const anon = basis.scope === "anonymized";
  const to = new Date(w.from.getTime() + w.count * w.bucketS * 1000);
  const params: unknown[] = [w.from.toISOString(), to.toISOString(), w.bucketS];
  const conds = scopeConditions(basis, params, "r").map((c) => ` AND ${c}`).join("");
  const step = ANON_LOCATION_STEP_DEG;
  const loc = anon ? `(round(r.lon::numeric / ${step}) * ${step})::float8 AS lon, (round(r.lat::numeric / ${step}) * ${step})::float8 AS lat` : "r.lon, r.lat";
  const rows = await sql.query<{ key: string; device_id: string | null; bb: number; lon: number; lat: number; sev: number | null; status: string | null }>(
    `SELECT coalesce(r.payload->>'incidentId', r.device_id) AS key, ${anon ? "NULL" : "r.device_id"} AS device_id,
            floor(extract(epoch FROM r.observed_at) / $3)::float8 AS bb, ${loc},
            (r.payload->>'severity')::float8 AS sev, r.payload->>'status' AS status
       FROM reading r
      WHERE r.dataset_id = 'safety.incidents' AND r.observed_at >= $1 AND r.observed_at < $2${conds}
      ORDER BY r.observed_at, r.leaf_index`,
    params,
  );
  const cellOf = frameCellOf(basis);
  const cellPos = new Map<string, [number, number]>();
  const rowCell = rows.map((r) => {
    const c = cellOf([Number(r.lon), Number(r.lat)]);
    if (inBbox(c.pos, bbox)) cellPos.set(c.id, c.pos);
    return c.id;
  });
  const ids = [...cellPos.keys()].sort();
  const col = new Map(ids.map((id, i) => [id, i]));
  const width = ids.length;
  const values = new Float64Array(w.count * width).fill(Number.NaN);
  const state = new Float64Array(w.count * width).fill(CELL_NO_DATA);
  const first = w.from.getTime() / 1000 / w.bucketS;
  const k = minGroupDevices();
  // Each incident's newest state so far; walked bucket by bucket.
  const open = new Map<string, { cell: string; sev: number; device: string | null; open: boolean }>();
  let i = 0, max = 0;
  for (let b = 0; b < w.count; b++) {
    for (; i < rows.length && Math.round(Number(rows[i].bb) - first) <= b; i++) {
      const r = rows[i];
      open.set(r.key, { cell: rowCell[i], sev: Number(r.sev), device: r.device_id, open: r.status !== null && r.status !== "resolved" });
    }
    const sums = new Map<number, { sev: number; n: number; devices: Set<string | null> }>();
    for (const x of open.values()) {
      const c = col.get(x.cell);
      if (!x.open || c === undefined || !Number.isFinite(x.sev)) continue;
      const g = sums.get(c) ?? { sev: 0, n: 0, devices: new Set() };
      g.sev += x.sev;
      g.n++;
      g.devices.add(x.device);
      sums.set(c, g);
    }
    for (const [c, g] of sums) {
      if (!anon && g.devices.size < k) {
        state[b * width + c] = CELL_SUPPRESSED;
        continue;
      }
      const mean = g.sev / g.n;
      values[b * width + c] = mean;
      state[b * width + c] = CELL_VALUE_CODE;
      if (mean > max) max = mean;
    }
  }
  const position: number[] = [];
  for (const id of ids) position.push(...cellPos.get(id)!);
  return cellFrames(basis, { key: "severity", unit: "1" }, ids, position, values, state, max);
}
