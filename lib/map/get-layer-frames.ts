import type { Viewer } from "../access/viewer";
import type { BBox } from "../city/types";
import type { Sql } from "../db/sql";
import { getDb } from "../db/client";
import { getCity } from "../runtime/city";
import type { Frames, IncidentTimeline, MapLayerId } from "../api/map-specs";
import { layerAccess } from "./access-notes";
import { inBbox, mapModel, type MapModel } from "./map-features";
import { BUCKET_S, refreshRollup } from "./rollup";
import { bucketWindow, resolveWindow } from "./time-window";
import { q8 } from "./q8";

const FRAMES_DEFAULT_SPAN_MS = 24 * 3_600_000;
const FRAMES_MAX_SPAN_MS = 7 * 24 * 3_600_000;
/**
 * Per-bucket means of the 5-minute rollup, regrouped to `bucketS`: for each bucket a
 * string "device q q …,device q q …" of integer expressions over the bucket's sums
 * (s1..s4 = sums of v1..v4, n = readings, m1 = largest state code). Integers travel
 * faster than numerics; fill() divides them back.
 */
async function bucketMeans(
  sql: Sql,
  datasetId: string,
  from: Date,
  to: Date,
  bucketS: number,
  exprs: string[],
  devices: string[] | null,
): Promise<{ t: number; v: string }[]> {
  const params: unknown[] = [datasetId, from.toISOString(), to.toISOString(), bucketS];
  let filter = "";
  if (devices) {
    params.push(devices);
    filter = "AND device_id = ANY($5::text[])";
  }
  const cols = exprs.map((e) => `' ' || (${e})::int`).join(" || ");
  // 5-minute buckets are the rollup's own: no regrouping (a third of the time).
  const source =
    bucketS === BUCKET_S
      ? `SELECT device_id, floor(extract(epoch FROM bucket) / $4)::bigint AS bb, n, v1 AS s1, v2 AS s2, v3 AS s3, v4 AS s4, m1
           FROM map_bucket_5m WHERE dataset_id = $1 AND bucket >= $2 AND bucket < $3 ${filter}`
      : `SELECT device_id, floor(extract(epoch FROM bucket) / $4)::bigint AS bb,
                sum(n) AS n, sum(v1) AS s1, sum(v2) AS s2, sum(v3) AS s3, sum(v4) AS s4, max(m1) AS m1
           FROM map_bucket_5m WHERE dataset_id = $1 AND bucket >= $2 AND bucket < $3 ${filter}
          GROUP BY 1, 2`;
  const rows = await sql.query<{ t: number; v: string }>(`SELECT bb * $4 AS t, string_agg(device_id || ${cols}, ',') AS v FROM (${source}) x GROUP BY bb`, params);
  return rows.map((r) => ({ t: Number(r.t), v: r.v }));
}

/** Fills row-major [bucket][id] arrays (NaN where missing) from bucketMeans rows. */
function fill(rows: { t: number; v: string }[], fromMs: number, bucketS: number, count: number, index: Map<string, number>, width: number, divisors: number[]): Float64Array[] {
  const fields = divisors.length;
  const out = Array.from({ length: fields }, () => new Float64Array(count * width).fill(Number.NaN));
  for (const r of rows) {
    const b = Math.round((r.t * 1000 - fromMs) / (bucketS * 1000));
    if (b < 0 || b >= count) continue;
    for (const entry of r.v.split(",")) {
      const parts = entry.split(" ");
      const i = index.get(parts[0]);
      if (i === undefined) continue;
      for (let f = 0; f < fields; f++) {
        const v = Number(parts[f + 1]);
        if (Number.isFinite(v)) out[f][b * width + i] = v / divisors[f];
      }
    }
  }
  return out;
}

/** Incident timelines: each incident's facts and the moments its status changed. */
export async function incidentTimelines(sql: Sql, from: Date, to: Date, bbox?: BBox): Promise<IncidentTimeline[]> {
  const rows = await sql.query<{ payload: Record<string, unknown> | string; observed_at: Date; lon: number; lat: number }>(
    `SELECT payload, observed_at, lon, lat FROM reading
      WHERE dataset_id = 'safety.incidents' AND observed_at >= $1 AND observed_at < $2
      ORDER BY observed_at, leaf_index`,
    [from.toISOString(), to.toISOString()],
  );
  const byId = new Map<string, IncidentTimeline>();
  for (const r of rows) {
    const p = (typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload) as Record<string, unknown>;
    const id = String(p.incidentId);
    const position: [number, number] = [Number(r.lon), Number(r.lat)];
    if (!inBbox(position, bbox)) continue;
    const t = new Date(r.observed_at).getTime();
    const status = p.status as IncidentTimeline["changes"][number][1];
    let inc = byId.get(id);
    if (!inc) {
      inc = {
        id,
        type: p.type as IncidentTimeline["type"],
        severity: Number(p.severity),
        startedAt: String(p.startedAt),
        endedAt: String(p.endedAt),
        segmentId: String(p.segmentId),
        lanesBlocked: Number(p.lanesBlocked),
        position,
        changes: [],
      };
      byId.set(id, inc);
    }
    inc.endedAt = String(p.endedAt);
    inc.severity = Number(p.severity);
    inc.lanesBlocked = Number(p.lanesBlocked);
    const last = inc.changes[inc.changes.length - 1];
    if (!last || last[1] !== status) inc.changes.push([t, status]);
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

function idIndex(ids: string[]) {
  return new Map(ids.map((id, i) => [id, i]));
}

function sensorsIn(m: MapModel, bbox?: BBox): string[] {
  return bbox ? m.traffic.sensors.ids.filter((_, i) => m.sensorPaths[i].some((p) => inBbox(p, bbox))) : m.traffic.sensors.ids;
}

function pointIdsIn(ids: string[], position: number[], bbox?: BBox): string[] {
  return bbox ? ids.filter((_, i) => inBbox([position[2 * i], position[2 * i + 1]], bbox)) : ids;
}

/** Unquantised series of a window: values row-major [bucket][id] (NaN where missing). */
type RawSeries = Record<string, { ids: string[]; values: Float64Array }>;
const SCALES: Record<string, number> = { ratio: 0.004, flow: 60, feederUtil: 0.005, renewableCf: 0.004, substationUtil: 0.005, cameraState: 1 };

/** The series of a layer over [from, from + count buckets), aggregated in SQL from the 5-minute rollup. */
async function computeSeries(sql: Sql, m: MapModel, layer: MapLayerId, from: Date, count: number, bucketS: number, bbox: BBox | undefined, cameras: boolean): Promise<RawSeries> {
  const to = new Date(from.getTime() + count * bucketS * 1000);
  if (layer === "traffic") {
    const ids = sensorsIn(m, bbox);
    const rows = await bucketMeans(sql, "traffic.flow", from, to, bucketS, ["round(s4 * 1000 / n)", "round(s2 / n)"], bbox ? ids : null);
    const [ratio, flow] = fill(rows, from.getTime(), bucketS, count, idIndex(ids), ids.length, [1000, 1]);
    return { ratio: { ids, values: ratio }, flow: { ids, values: flow } };
  }
  if (layer === "energy") {
    const f = m.energy.feeders, r = m.energy.renewables, s = m.energy.substations;
    const feederIds = bbox ? f.ids.filter((_, i) => m.feederPaths[i].some((p) => inBbox(p, bbox))) : f.ids;
    const siteIds = pointIdsIn(r.ids, r.position, bbox);
    const subIds = pointIdsIn(s.ids, s.position, bbox);
    // Means per meter: load or production (v1) and utilisation or capacity factor (v2).
    const rows = await bucketMeans(sql, "energy.load", from, to, bucketS, ["round(s1 * 1000 / n)", "round(s2 * 10000 / n)"], null);
    const meters = [...f.meterIds, ...r.meterIds];
    const [v1, v2] = fill(rows, from.getTime(), bucketS, count, idIndex(meters), meters.length, [1000, 10000]);
    const nf = f.ids.length, width = meters.length;
    const feederPos = idIndex(feederIds), sitePos = idIndex(siteIds), subPos = idIndex(subIds);
    const util = new Float64Array(count * feederIds.length).fill(Number.NaN);
    const cf = new Float64Array(count * siteIds.length).fill(Number.NaN);
    const subUtil = new Float64Array(count * subIds.length).fill(Number.NaN);
    const subLoad = new Float64Array(s.ids.length);
    const subSeen = new Uint8Array(s.ids.length);
    for (let b = 0; b < count; b++) {
      subLoad.fill(0);
      subSeen.fill(0);
      for (let i = 0; i < nf; i++) {
        const load = v1[b * width + i];
        if (!Number.isFinite(load)) continue;
        const k = feederPos.get(f.ids[i]);
        if (k !== undefined) util[b * feederIds.length + k] = v2[b * width + i];
        const si = m.feederSubstation[i];
        if (si >= 0) {
          subLoad[si] += load;
          subSeen[si] = 1;
        }
      }
      for (let i = 0; i < r.ids.length; i++) {
        const k = sitePos.get(r.ids[i]);
        if (k !== undefined) cf[b * siteIds.length + k] = v2[b * width + nf + i];
      }
      s.ids.forEach((id, si) => {
        const k = subPos.get(id);
        if (k !== undefined && subSeen[si]) subUtil[b * subIds.length + k] = subLoad[si] / s.capacityMw[si];
      });
    }
    // Consumption per hexagon cell, aggregated in SQL: feeder means × the feeder's share of each cell.
    const shareMeter: string[] = [], shareCell: number[] = [], shareOf: number[] = [];
    f.ids.forEach((id, i) => {
      for (const [cell, share] of m.feederCells.get(id) ?? []) {
        shareMeter.push(f.meterIds[i]);
        shareCell.push(cell);
        shareOf.push(share);
      }
    });
    const cellRows = await sql.query<{ t: number; v: string }>(
      `WITH sh AS (SELECT * FROM unnest($4::text[], $5::int[], $6::float8[]) AS s(device_id, cell, share))
       SELECT bb * $3 AS t, string_agg(cell || ' ' || round(load * 1000)::int, ',') AS v
         FROM (SELECT x.bb, sh.cell, sum(x.load * sh.share) AS load
                 FROM (SELECT device_id, floor(extract(epoch FROM bucket) / $3)::bigint AS bb, sum(v1) / sum(n) AS load
                         FROM map_bucket_5m
                        WHERE dataset_id = 'energy.load' AND bucket >= $1 AND bucket < $2
                        GROUP BY 1, 2) x
                 JOIN sh USING (device_id)
                GROUP BY x.bb, sh.cell) c
        GROUP BY bb`,
      [from.toISOString(), to.toISOString(), bucketS, shareMeter, shareCell, shareOf],
    );
    const cellIds = pointIdsIn(m.energy.cells.ids, m.energy.cells.position, bbox);
    const [cellLoad] = fill(cellRows, from.getTime(), bucketS, count, idIndex(cellIds), cellIds.length, [1000]);
    return {
      feederUtil: { ids: feederIds, values: util },
      renewableCf: { ids: siteIds, values: cf },
      substationUtil: { ids: subIds, values: subUtil },
      cellLoad: { ids: cellIds, values: cellLoad },
    };
  }
  if (!cameras) return {};
  const ids = pointIdsIn(m.safety.cameras.ids, m.safety.cameras.position, bbox);
  const rows = await bucketMeans(sql, "safety.cameras", from, to, bucketS, ["m1"], bbox ? ids : null);
  const [state] = fill(rows, from.getTime(), bucketS, count, idIndex(ids), ids.length, [1]);
  return { cameraState: { ids, values: state } };
}

/** Buckets per cached chunk: two hours of 5-minute buckets. */
export const CHUNK_BUCKETS = 24;
const CACHE_MAX = 160;
const CACHE_KEY = Symbol.for("city-brain.map-frames-cache");
type Chunk = { version: number; series: RawSeries };

function chunkCache(): Map<string, Chunk> {
  const g = globalThis as { [CACHE_KEY]?: Map<string, Chunk> };
  return (g[CACHE_KEY] ??= new Map());
}

/**
 * The series of a whole-city window, assembled from chunks of CHUNK_BUCKETS buckets kept in
 * memory. A chunk is computed again only when its version changed: the largest ledger leaf
 * the rollup folded into its buckets (map_bucket_total.last_leaf), so a reading arriving
 * late for a past chunk refreshes it, in this process or any other sharing the database.
 */
async function seriesCached(sql: Sql, m: MapModel, layer: MapLayerId, datasets: string[], from: Date, count: number, bucketS: number, cameras: boolean): Promise<RawSeries> {
  const bucketMs = bucketS * 1000, chunkMs = CHUNK_BUCKETS * bucketMs;
  const to = from.getTime() + count * bucketMs;
  const first = Math.floor(from.getTime() / chunkMs) * chunkMs;
  const versions = new Map<number, number>();
  const rows = await sql.query<{ c: number; v: number }>(
    `SELECT floor(extract(epoch FROM bucket) * 1000 / $4)::float8 AS c, max(last_leaf)::float8 AS v
       FROM map_bucket_total WHERE dataset_id = ANY($1::text[]) AND bucket >= $2 AND bucket < $3 GROUP BY 1`,
    [datasets, new Date(first).toISOString(), new Date(to).toISOString(), chunkMs],
  );
  for (const r of rows) versions.set(Number(r.c) * chunkMs, Number(r.v));
  const cache = chunkCache();
  const chunks: { start: number; series: RawSeries }[] = [];
  for (let cs = first; cs < to; cs += chunkMs) {
    const key = `${m.city.seed}:${m.city.size}|${layer}|${bucketS}|${cs}|${cameras}`;
    const version = versions.get(cs) ?? -1;
    let hit = cache.get(key);
    if (!hit || hit.version !== version) {
      hit = { version, series: await computeSeries(sql, m, layer, new Date(cs), CHUNK_BUCKETS, bucketS, undefined, cameras) };
      cache.delete(key);
      cache.set(key, hit);
      while (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
    } else {
      // Least recently used last.
      cache.delete(key);
      cache.set(key, hit);
    }
    chunks.push({ start: cs, series: hit.series });
  }
  const out: RawSeries = {};
  for (const name of Object.keys(chunks[0]?.series ?? {})) {
    const ids = chunks[0].series[name].ids;
    const w = ids.length;
    const values = new Float64Array(count * w).fill(Number.NaN);
    for (const c of chunks) {
      const src = c.series[name].values;
      for (let k = 0; k < CHUNK_BUCKETS; k++) {
        const b = Math.round((c.start + k * bucketMs - from.getTime()) / bucketMs);
        if (b < 0 || b >= count) continue;
        values.set(src.subarray(k * w, (k + 1) * w), b * w);
      }
    }
    out[name] = { ids, values };
  }
  return out;
}

/**
 * Replay frames of a layer: for every bucket of the window, the mean of each feature's
 * readings, aggregated in SQL from the 5-minute rollup, quantised to a byte per value.
 * traffic: ratio (speed / free flow) and flow; energy: feeder utilisation, renewable
 * capacity factor, substation utilisation and consumption per hexagon cell (feeder loads
 * spread over the cells they cross, summed in SQL); safety: camera state codes and the
 * incidents' status timelines. Whole-city windows are assembled from cached two-hour chunks.
 */
export async function getLayerFrames(opts: { viewer: Viewer; layer: MapLayerId; from?: string; to?: string; bucket: number; bbox?: BBox }): Promise<Frames> {
  const db = await getDb();
  const city = getCity();
  const m = mapModel(city);
  const w = resolveWindow(opts, { defaultSpanMs: FRAMES_DEFAULT_SPAN_MS, maxSpanMs: FRAMES_MAX_SPAN_MS });
  const { from, to, count } = bucketWindow(w, opts.bucket);
  const bucketS = opts.bucket;
  const head = { layer: opts.layer, from: from.toISOString(), to: to.toISOString(), bucketS, count };
  const datasets = opts.layer === "traffic" ? ["traffic.flow"] : opts.layer === "energy" ? ["energy.load"] : ["safety.incidents", "safety.cameras"];
  const access = await layerAccess(db.sql, opts.viewer, datasets, { require: true, level: opts.layer === "energy" ? "aggregate" : "raw" });
  for (const d of datasets) await access.record(db.sql, d, { action: "map.frames", count: null, from, until: to });
  await refreshRollup(db.sql, city);
  const cameras = opts.layer === "safety" && access.can("safety.cameras");
  const raw = opts.bbox
    ? await computeSeries(db.sql, m, opts.layer, from, count, bucketS, opts.bbox, cameras)
    : await seriesCached(db.sql, m, opts.layer, datasets.filter((d) => d !== "safety.incidents"), from, count, bucketS, cameras);
  const series: Frames["series"] = {};
  for (const [name, s] of Object.entries(raw)) {
    // Per-feature energy series only with raw access; the hexagon grid is an aggregate.
    if (opts.layer === "energy" && name !== "cellLoad" && !access.can("energy.load")) continue;
    let scale = SCALES[name];
    if (name === "cellLoad") {
      let max = 0;
      for (const v of s.values) if (Number.isFinite(v) && v > max) max = v;
      scale = Math.max(0.01, max / 250);
    }
    series[name] = { ids: s.ids, q: q8(s.values, scale) };
  }
  const incidents = opts.layer === "safety" && access.can("safety.incidents") ? await incidentTimelines(db.sql, from, to, opts.bbox) : null;
  return { ...head, series, incidents, access: access.notes };
}
