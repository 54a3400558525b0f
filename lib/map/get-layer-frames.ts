import type { Viewer } from "../access/viewer";
import type { BBox, CityModel, DatasetId } from "../city/types";
import { datasetById } from "../city";
import type { Sql } from "../db/sql";
import { getDb } from "../db/client";
import { getCity } from "../city/current-city";
import type { Frames, IncidentTimeline, MapLayerId, ScopedCellFrames } from "../api/map-specs";
import type { ReadBasis } from "../access/check-read";
import { frameChunkVersions, scopedBucketMeans, scopedStoredFrameChunks, wholeDatasetBasis, type StoredFrameChunk, scopedCellLoad, scopedFrameCells, scopedIncidentFrameCells, scopedIncidentReadings } from "../access/scoped/map-frames";
import { layerAccess } from "./access-notes";
import { inBbox, mapModel, type MapModel } from "./map-features";
import { cityKey, refreshRollup, rollupKeptCurrent } from "./rollup";
import { trafficSet, type TrafficSet } from "./registry-sensors";
import { decodeChunk, dropOtherCityChunks, pruneStoredChunks, STORED_CHUNK_SPAN_MS, storeChunk, type RawSeries } from "./frame-chunks";
import { bucketWindow, resolveWindow } from "./time-window";
import { MISSING, q8, q8Bytes, quantise } from "./q8";
import { withinArea } from "../access/scope-sql";
import { withheldFields } from "../access/scoped/map-basis";
import { scopedReportIncidentSpans } from "../access/scoped/citizen-reports";
import { SERVICES } from "../citizen/service-catalogue";
import { coarsen } from "../citizen/report-content";
import { incidentFromReport } from "./incident-state";
import { CITIZEN_LAYER_CODES, reportSpan } from "./citizen-layer";

const FRAMES_DEFAULT_SPAN_MS = 24 * 3_600_000;
/** Windows ending later than this before now fold the newest readings first. */
const RECENT_MS = 10 * 60_000;
const FRAMES_MAX_SPAN_MS = 7 * 24 * 3_600_000;
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

/** Incident timelines: each incident's facts and the moments its status changed (as the basis allows). */
export async function incidentTimelines(sql: Sql, basis: ReadBasis, from: Date, to: Date, bbox?: BBox): Promise<IncidentTimeline[]> {
  const rows = await scopedIncidentReadings(sql, basis, from, to);
  const byId = new Map<string, IncidentTimeline>();
  for (const r of rows) {
    const p = r.payload;
    if (typeof p.incidentId !== "string" || typeof p.status !== "string") continue;
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

/**
 * Confirmed citizen reports of safety categories as incident timelines for replay: responding
 * from the confirmation; resolved from when the department closed it (resolved, rejected or
 * merged as a duplicate: from then the live map no longer shows it either); one still open
 * is seen responding up to the window's end.
 */
export async function citizenIncidentTimelines(sql: Sql, basis: ReadBasis, from: Date, to: Date, bbox?: BBox): Promise<IncidentTimeline[]> {
  const rows = await scopedReportIncidentSpans(sql, basis, SERVICES.filter((x) => x.safety).map((x) => x.code), from, to);
  const out: IncidentTimeline[] = [];
  for (const r of rows) {
    const position = coarsen(r.lon, r.lat);
    if (!inBbox(position, bbox)) continue;
    const confirmedAt = new Date(r.confirmed_at).getTime();
    const { status: _s, observedAt: _o, leafIndex: _l, ...inc } = incidentFromReport({ id: r.id, serviceCode: r.service_code, position, createdAt: new Date(r.created_at).toISOString(), confirmedAt: new Date(confirmedAt).toISOString(), leafIndex: Number(r.leaf_index) });
    const closedAt = r.closed_at ? new Date(r.closed_at).getTime() : null;
    const changes: IncidentTimeline["changes"] = [[confirmedAt, "responding"]];
    if (closedAt !== null && closedAt <= to.getTime()) changes.push([closedAt, "resolved"]);
    else changes.push([Math.max(confirmedAt, to.getTime()), "responding"]);
    out.push({ ...inc, changes });
  }
  return out;
}

function idIndex(ids: string[]) {
  return new Map(ids.map((id, i) => [id, i]));
}

function sensorsIn(t: TrafficSet, bbox?: BBox): string[] {
  return bbox ? t.sensors.ids.filter((_, i) => t.paths[i].some((p) => inBbox(p, bbox))) : t.sensors.ids;
}

function pointIdsIn(ids: string[], position: number[], bbox?: BBox): string[] {
  return bbox ? ids.filter((_, i) => inBbox([position[2 * i], position[2 * i + 1]], bbox)) : ids;
}

/** The fixed quantisation step of each series sent as Q8 (cellLoad's follows its window's largest value). */
const SCALES: Record<string, number> = { ratio: 0.004, flow: 60, feederUtil: 0.005, renewableCf: 0.004, substationUtil: 0.005, cameraState: 1 };

/** Keeps the ids whose device (`deviceOf`) lies in the basis's area. */
function inAreaIds(m: MapModel, basis: ReadBasis, ids: string[], deviceOf: (id: string, i: number) => string = (id) => id, locate: (device: string) => readonly [number, number] | undefined = (d) => m.deviceLocation.get(d)): string[] {
  if (!basis.area) return ids;
  return ids.filter((id, i) => {
    const p = locate(deviceOf(id, i));
    return !!p && withinArea(p, basis.area);
  });
}

/** The payload fields each series is computed from: a series whose fields are withheld is not sent. */
const SERIES_FIELDS: Record<string, string[]> = {
  ratio: ["speedKmh"], flow: ["flowVehH"], feederUtil: ["utilisation"], renewableCf: ["capacityFactor"],
  substationUtil: ["loadMw"], cellLoad: ["loadMw"], cameraState: ["online", "alert"],
};

/**
 * The series of a layer over [from, from + count buckets), aggregated in SQL from the 5-minute
 * rollup as `basis` (the layer's rollup dataset, raw) allows: devices in its area, buckets in
 * its data window, values of granted fields (lib/access/scoped/map-frames).
 */
async function computeSeries(sql: Sql, m: MapModel, t: TrafficSet, layer: MapLayerId, basis: ReadBasis, from: Date, count: number, bucketS: number, bbox: BBox | undefined): Promise<RawSeries> {
  const to = new Date(from.getTime() + count * bucketS * 1000);
  const w = { from, to, bucketS };
  if (layer === "traffic") {
    const ids = inAreaIds(m, basis, sensorsIn(t, bbox), undefined, (d) => t.location.get(d));
    const rows = await scopedBucketMeans(sql, basis, w, ["round(speed_ratio_sum * 1000 / n)", "round(flow_veh_h_sum / n)"], bbox ? ids : null);
    const [ratio, flow] = fill(rows, from.getTime(), bucketS, count, idIndex(ids), ids.length, [1000, 1]);
    return { ratio: { ids, values: ratio }, flow: { ids, values: flow } };
  }
  if (layer === "energy") {
    const f = m.energy.feeders, r = m.energy.renewables, s = m.energy.substations;
    const meterOf = new Map([...f.ids.map((id, i) => [id, f.meterIds[i]] as const), ...r.ids.map((id, i) => [id, r.meterIds[i]] as const)]);
    const feederIds = inAreaIds(m, basis, bbox ? f.ids.filter((_, i) => m.feederPaths[i].some((p) => inBbox(p, bbox))) : f.ids, (id) => meterOf.get(id) ?? "");
    const siteIds = inAreaIds(m, basis, pointIdsIn(r.ids, r.position, bbox), (id) => meterOf.get(id) ?? "");
    const subIds = pointIdsIn(s.ids, s.position, bbox);
    // Means per meter: load or production (v1) and utilisation or capacity factor (v2).
    const rows = await scopedBucketMeans(sql, basis, w, ["round(coalesce(load_mw_sum, production_mw_sum) * 1000 / n)", "round(coalesce(utilisation_sum, capacity_factor_sum) * 10000 / n)"], null);
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
    const cellRows = await scopedCellLoad(sql, basis, w, { meter: shareMeter, cell: shareCell, share: shareOf });
    const cellIds = pointIdsIn(m.energy.cells.ids, m.energy.cells.position, bbox);
    const [cellLoad] = fill(cellRows, from.getTime(), bucketS, count, idIndex(cellIds), cellIds.length, [1000]);
    return {
      feederUtil: { ids: feederIds, values: util },
      renewableCf: { ids: siteIds, values: cf },
      substationUtil: { ids: subIds, values: subUtil },
      cellLoad: { ids: cellIds, values: cellLoad },
    };
  }
  const ids = inAreaIds(m, basis, pointIdsIn(m.safety.cameras.ids, m.safety.cameras.position, bbox));
  const rows = await scopedBucketMeans(sql, basis, w, ["worst_state"], bbox ? ids : null);
  const [state] = fill(rows, from.getTime(), bucketS, count, idIndex(ids), ids.length, [1]);
  return { cameraState: { ids, values: state } };
}

/** Buckets per cached chunk: two hours of 5-minute buckets. */
export const CHUNK_BUCKETS = 24;
const CACHE_MAX = 160;
const CACHE_KEY = Symbol.for("city-brain.map-frames-cache");
/**
 * `buckets`: the version of each bucket when the chunk was computed, kept for the chunk holding
 * now (see chunkSeries). `stored`: this version is in map_frame_chunk. `quantised`: its series
 * of a fixed scale (SCALES) as the bytes a response sends (chunkBytes), made once per version.
 */
type Chunk = { version: number; series: RawSeries; buckets?: Map<number, number>; stored?: boolean; quantised?: Map<string, Uint8Array> };

/**
 * A chunk's series `name` quantised at its fixed scale. Quantising is per value, so a window's
 * bytes are its chunks' bytes side by side: a 24 h traffic replay at size 10 (13,960 sensors, two
 * series of 289 buckets) quantised its 8 million values on every request, the largest part of
 * the handler's CPU in a profile of the console (q8, about 200 ms a request).
 */
function chunkBytes(chunk: Chunk, name: string): Uint8Array {
  const quantised = (chunk.quantised ??= new Map());
  let bytes = quantised.get(name);
  if (!bytes) quantised.set(name, (bytes = quantise(chunk.series[name].values, SCALES[name])));
  return bytes;
}

/** Quantises a chunk's fixed-scale series ahead of the first request that sends them (warmReplayChunks). */
function quantiseAhead(chunk: Chunk): void {
  for (const name of Object.keys(chunk.series)) if (name in SCALES) chunkBytes(chunk, name);
}

function chunkCache(): Map<string, Chunk> {
  const g = globalThis as { [CACHE_KEY]?: Map<string, Chunk> };
  return (g[CACHE_KEY] ??= new Map());
}

/**
 * The series of a whole-city window, assembled from chunks of CHUNK_BUCKETS buckets kept in
 * memory and, once complete, in map_frame_chunk (lib/map/frame-chunks.ts), so that a restarted
 * console reads them instead of aggregating the rollup again. A chunk is computed again only
 * when its version changed: the largest ledger leaf the rollup folded into its buckets
 * (map_bucket_total.last_leaf), so a reading arriving late for a past chunk refreshes it (and
 * rewrites the stored copy), in this process or any other sharing the database.
 */
const chunkKey = (m: MapModel, t: TrafficSet, layer: MapLayerId, bucketS: number, cs: number) => `${m.city.seed}:${m.city.size}|${layer === "traffic" ? t.key : ""}|${layer}|${bucketS}|${cs}`;

/** The ids of each whole-city series of a layer, in the order computeSeries returns them. */
function wholeCityIds(m: MapModel, t: TrafficSet, layer: MapLayerId): Record<string, string[]> {
  if (layer === "traffic") return { ratio: t.sensors.ids, flow: t.sensors.ids };
  if (layer === "energy") {
    return { feederUtil: m.energy.feeders.ids, renewableCf: m.energy.renewables.ids, substationUtil: m.energy.substations.ids, cellLoad: m.energy.cells.ids };
  }
  return { cameraState: m.safety.cameras.ids };
}

/**
 * The whole-city series of the chunk starting at `cs`: from memory when its version is current,
 * else from its stored copy (`stored`, read under the basis) when that is current, else
 * computed, and stored when the chunk is complete (it ends before `now`).
 *
 * The chunk holding now changes with every fold of live readings, and computing it whole took
 * 1.0–1.2 s of the console's thread per 24 h replay request of a size-10 city (13,960 traffic
 * sensors): its cached copy keeps the version of each bucket, and only the buckets whose
 * version moved since (the live one, a late reading's) are aggregated again and spliced in.
 */
async function chunkSeries(
  sql: Sql, m: MapModel, t: TrafficSet, layer: MapLayerId, basis: ReadBasis, cs: number, bucketS: number, version: number,
  stored: StoredFrameChunk | undefined, now: number,
): Promise<{ chunk: Chunk; computed: boolean }> {
  const cache = chunkCache();
  const key = chunkKey(m, t, layer, bucketS, cs);
  let hit = cache.get(key);
  let computed = false;
  const bucketMs = bucketS * 1000, end = cs + CHUNK_BUCKETS * bucketMs;
  // A complete chunk with readings is kept (within STORED_CHUNK_SPAN_MS); the chunk holding now changes with every fold.
  const storable = version >= 0 && end <= now && cs >= now - STORED_CHUNK_SPAN_MS;
  const store = async (chunk: Chunk) => {
    await storeChunk(sql, { datasetId: basis.datasetId, bucketS, start: cs, cityKey: cityKey(m.city), version }, chunk.series);
    chunk.stored = true;
  };
  if (!hit || hit.version !== version) {
    const fromStore = stored && stored.version === version ? decodeChunk(stored, CHUNK_BUCKETS, wholeCityIds(m, t, layer)) : null;
    if (fromStore) hit = { version, series: fromStore, stored: true };
    else {
      // Read before aggregating: a fold landing in between is aggregated again next time, never missed.
      const buckets = await frameChunkVersions(sql, [basis.datasetId], new Date(cs), new Date(end), bucketMs);
      const before = hit?.buckets;
      const changed = before ? [...new Set([...buckets.keys(), ...before.keys()])].filter((b) => before.get(b) !== buckets.get(b)) : [];
      const prior = before && changed.length > 0 && changed.length < CHUNK_BUCKETS ? hit : null;
      if (prior) {
        const lo = Math.min(...changed), n = (Math.max(...changed) - lo) / bucketMs + 1;
        const part = await computeSeries(sql, m, t, layer, basis, new Date(lo), n, bucketS, undefined);
        const at = (lo - cs) / bucketMs;
        hit = { version, series: spliceSeries(prior.series, part, at), buckets, quantised: spliceQuantised(prior, part, at) };
      } else {
        hit = { version, series: await computeSeries(sql, m, t, layer, basis, new Date(cs), CHUNK_BUCKETS, bucketS, undefined), buckets };
      }
      computed = true;
    }
    if (computed && storable) await store(hit);
    cache.delete(key);
    cache.set(key, hit);
    while (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
  } else {
    // Computed while it held now and unchanged since the clock passed its end (no fold came
    // after its last refresh): complete now, and stored as any complete chunk is.
    if (!hit.stored && storable) await store(hit);
    // Least recently used last.
    cache.delete(key);
    cache.set(key, hit);
  }
  return { chunk: hit, computed };
}

/** A copy of `whole` (CHUNK_BUCKETS buckets) with `part`'s buckets written from bucket `at` on; both hold the same ids. */
function spliceSeries(whole: RawSeries, part: RawSeries, at: number): RawSeries {
  const out: RawSeries = {};
  for (const [name, s] of Object.entries(whole)) {
    const values = s.values.slice();
    values.set(part[name].values, at * s.ids.length);
    out[name] = { ids: s.ids, values };
  }
  return out;
}

/** A copy of `prior`'s quantised series with `part`'s buckets quantised and written from bucket `at` on. */
function spliceQuantised(prior: Chunk, part: RawSeries, at: number): Chunk["quantised"] {
  if (!prior.quantised) return undefined;
  return new Map([...prior.quantised].map(([name, bytes]) => {
    const out = bytes.slice();
    out.set(quantise(part[name].values, SCALES[name]), at * part[name].ids.length);
    return [name, out] as const;
  }));
}

/** The stored copies of the chunks at `starts` whose in-memory copy is missing or stale, read under the basis. */
async function storedChunks(sql: Sql, m: MapModel, t: TrafficSet, layer: MapLayerId, basis: ReadBasis, bucketS: number, starts: number[], versions: Map<number, number>): Promise<Map<number, StoredFrameChunk>> {
  const cache = chunkCache();
  const missing = starts.filter((cs) => versions.has(cs) && cache.get(chunkKey(m, t, layer, bucketS, cs))?.version !== versions.get(cs));
  return scopedStoredFrameChunks(sql, basis, cityKey(m.city), bucketS, missing);
}

/**
 * A window's series: floats, or, for the whole-city series of a fixed scale (SCALES), the bytes
 * the response sends, already quantised (MISSING where a bucket has no chunk).
 */
type WindowSeries = Record<string, { ids: string[]; values: Float64Array } | { ids: string[]; bytes: Uint8Array }>;

async function seriesCached(sql: Sql, m: MapModel, t: TrafficSet, layer: MapLayerId, basis: ReadBasis, from: Date, count: number, bucketS: number): Promise<WindowSeries> {
  const bucketMs = bucketS * 1000, chunkMs = CHUNK_BUCKETS * bucketMs;
  const to = from.getTime() + count * bucketMs;
  const first = Math.floor(from.getTime() / chunkMs) * chunkMs;
  // Versions of whole chunks: a window ending inside a chunk must not clip its version (the
  // largest leaf of all its buckets), or the chunk never matches its cached or stored copy.
  const versions = await frameChunkVersions(sql, [basis.datasetId], new Date(first), new Date(Math.ceil(to / chunkMs) * chunkMs), chunkMs);
  const starts: number[] = [];
  for (let cs = first; cs < to; cs += chunkMs) starts.push(cs);
  const stored = await storedChunks(sql, m, t, layer, basis, bucketS, starts, versions);
  const now = Date.now();
  const chunks: { start: number; chunk: Chunk }[] = [];
  for (const cs of starts) {
    chunks.push({ start: cs, chunk: (await chunkSeries(sql, m, t, layer, basis, cs, bucketS, versions.get(cs) ?? -1, stored.get(cs), now)).chunk });
  }
  const out: WindowSeries = {};
  for (const name of Object.keys(chunks[0]?.chunk.series ?? {})) {
    const ids = chunks[0].chunk.series[name].ids;
    const w = ids.length;
    // A chunk's buckets k land at the window's buckets offset + k: one contiguous copy a chunk.
    const place = (c: { start: number }, copy: (from: number, to: number, at: number) => void) => {
      const offset = Math.round((c.start - from.getTime()) / bucketMs);
      const lo = Math.max(0, -offset), hi = Math.min(CHUNK_BUCKETS, count - offset);
      if (hi > lo) copy(lo * w, hi * w, (offset + lo) * w);
    };
    if (name in SCALES) {
      const bytes = new Uint8Array(count * w).fill(MISSING);
      for (const c of chunks) place(c, (a, b, at) => bytes.set(chunkBytes(c.chunk, name).subarray(a, b), at));
      out[name] = { ids, bytes };
    } else {
      const values = new Float64Array(count * w).fill(Number.NaN);
      for (const c of chunks) place(c, (a, b, at) => values.set(c.chunk.series[name].values.subarray(a, b), at));
      out[name] = { ids, values };
    }
  }
  return out;
}

/** The dataset whose rollup a layer replays. */
const rollupDatasetOf = (layer: MapLayerId) => (layer === "traffic" ? "traffic.flow" : layer === "energy" ? "energy.load" : "safety.cameras");

/** The past this background job keeps replay chunks computed for, and the most chunks one run computes. */
const WARM_SPAN_MS = 24 * 3_600_000;
const WARM_CHUNKS_PER_RUN = 2;

/**
 * The basis of the whole city's precomputed aggregates (replay chunks, the KPIs' index trend):
 * the owner's, which sees the whole dataset (wholeDatasetBasis), as every such viewer does.
 */
export const wholeCityBasis = (datasetId: DatasetId): ReadBasis => ({
  datasetId, ownerDepartmentId: datasetById(datasetId)!.departmentId, basis: "ownership", scope: "raw", fields: null, window: { from: null, until: null }, area: null,
});

/**
 * Precomputes the whole-city replay chunks of the last 24 hours (5-minute buckets), newest
 * first, at most WARM_CHUNKS_PER_RUN per call, so a viewer's first replay (and the first
 * 24 h request) reads them from memory instead of aggregating a day of the rollup: bench:map
 * measured the first 24 h traffic replay of a size-10 city at 30.5 s against 2.8 s once the
 * chunks were cached. Complete chunks are also stored (map_frame_chunk), and a chunk whose
 * stored copy is current is loaded from there instead of computed, so a restarted console
 * does not aggregate the day again. The chunk holding now is brought up to date first on
 * every run, only its buckets that changed (chunkSeries), and is not counted. Run after the
 * rollup's background fold (lib/map/start-map.ts). It returns no data: the cache it fills is
 * read only for viewers whose basis sees the whole dataset (getLayerFrames checks access
 * first). Returns how many complete chunks it computed.
 */
export async function warmReplayChunks(sql: Sql, city: CityModel, now = Date.now()): Promise<number> {
  const m = mapModel(city);
  const t = await trafficSet(sql, city);
  const bucketS = 300, chunkMs = CHUNK_BUCKETS * bucketS * 1000;
  const liveChunk = Math.floor(now / chunkMs) * chunkMs;
  const first = Math.floor((now - WARM_SPAN_MS) / chunkMs) * chunkMs;
  const warmKey = Symbol.for("city-brain.map-frames-warm-city");
  const g = globalThis as { [warmKey]?: string };
  if (g[warmKey] !== cityKey(city)) {
    await dropOtherCityChunks(sql, cityKey(city));
    g[warmKey] = cityKey(city);
  }
  // Stored chunks past their span go, once an hour (the map-rollup role runs this in one process).
  const pruneKey = Symbol.for("city-brain.map-frames-pruned-at");
  const p = globalThis as { [pruneKey]?: number };
  if ((p[pruneKey] ?? 0) < now - 3_600_000) {
    await pruneStoredChunks(sql, now - STORED_CHUNK_SPAN_MS);
    p[pruneKey] = now;
  }
  const layers = ["traffic", "energy", "safety"] as const;
  // Each layer's chunk versions, the chunk holding now included: one query a layer.
  const versionsOf = new Map<MapLayerId, Map<number, number>>();
  for (const layer of layers) versionsOf.set(layer, await frameChunkVersions(sql, [rollupDatasetOf(layer)], new Date(first), new Date(liveChunk + chunkMs), chunkMs));
  // The chunk holding now first, kept current bucket by bucket (chunkSeries), so that a replay
  // ending now does not aggregate it; not counted: it changes with every fold. One not yet in
  // memory is aggregated whole (1.0–1.2 s of the console's thread for traffic at size 10): one
  // such a run, so that a start does not spend all three at once while the first maps load.
  let whole = 0;
  for (const layer of layers) {
    const datasetId = rollupDatasetOf(layer);
    const version = versionsOf.get(layer)!.get(liveChunk);
    const cached = chunkCache().get(chunkKey(m, t, layer, bucketS, liveChunk));
    if (version === undefined || cached?.version === version || (!cached?.buckets && whole++ > 0)) continue;
    quantiseAhead((await chunkSeries(sql, m, t, layer, wholeCityBasis(datasetId), liveChunk, bucketS, version, undefined, now)).chunk);
  }
  let computed = 0;
  for (const layer of layers) {
    const versions = versionsOf.get(layer)!;
    const basis = wholeCityBasis(rollupDatasetOf(layer));
    const starts: number[] = [];
    for (let cs = liveChunk - chunkMs; cs >= first; cs -= chunkMs) starts.push(cs);
    const stored = await storedChunks(sql, m, t, layer, basis, bucketS, starts, versions);
    for (const cs of starts) {
      const version = versions.get(cs);
      const inMemory = chunkCache().get(chunkKey(m, t, layer, bucketS, cs));
      // Current in memory and stored: nothing to do (one in memory, not stored, is stored below).
      if (version === undefined || (inMemory?.version === version && inMemory.stored)) continue;
      const done = await chunkSeries(sql, m, t, layer, basis, cs, bucketS, version, stored.get(cs), now);
      quantiseAhead(done.chunk);
      if (done.computed && ++computed >= WARM_CHUNKS_PER_RUN) return computed;
    }
  }
  return computed;
}

/**
 * Replay frames of a layer: for every bucket of the window, the mean of each feature's
 * readings, aggregated in SQL from the 5-minute rollup, quantised to a byte per value.
 * traffic: ratio (speed / free flow) and flow; energy: feeder utilisation, renewable
 * capacity factor, substation utilisation and consumption per hexagon cell (feeder loads
 * spread over the cells they cross, summed in SQL); safety: camera state codes and the
 * incidents' status timelines. Every dataset is read as its basis allows: raw series only of
 * devices in the grant's area, buckets inside its data window and series of granted fields
 * (whole-city series come from cached two-hour chunks); anonymized and aggregated datasets
 * replay as cells (`scoped`).
 */
export async function getLayerFrames(opts: { viewer: Viewer; layer: MapLayerId; from?: string; to?: string; bucket: number; bbox?: BBox }): Promise<Frames> {
  const db = await getDb();
  const city = getCity();
  const m = mapModel(city);
  const w = resolveWindow(opts, { defaultSpanMs: FRAMES_DEFAULT_SPAN_MS, maxSpanMs: FRAMES_MAX_SPAN_MS });
  const { from, to, count } = bucketWindow(w, opts.bucket);
  const bucketS = opts.bucket;
  const head = { layer: opts.layer, from: from.toISOString(), to: to.toISOString(), bucketS, count };
  if (opts.layer === "citizen") {
    // Which reports of non-safety categories stood confirmed at each moment: their spans (the
    // client draws a report from its confirmation until it was closed), as reports.citizen's
    // basis lets through; under aggregated scope no report is replayed one by one.
    const access = await layerAccess(db.sql, opts.viewer, ["reports.citizen"], { require: true });
    const rb = access.basis("reports.citizen")!;
    const reports = rb.scope === "aggregated"
      ? null
      : (await scopedReportIncidentSpans(db.sql, rb, CITIZEN_LAYER_CODES, from, to)).map((r) => reportSpan(r, to)).filter((r) => inBbox(r.position, opts.bbox));
    await access.record(db.sql, "reports.citizen", { action: "map.frames", count: reports?.length ?? null, from, until: to });
    return { ...head, series: {}, incidents: null, reports, scoped: [], access: access.notes };
  }
  const datasets = opts.layer === "traffic" ? ["traffic.flow"] : opts.layer === "energy" ? ["energy.load"] : ["safety.incidents", "safety.cameras"];
  const access = await layerAccess(db.sql, opts.viewer, datasets, { require: true });
  for (const d of datasets) await access.record(db.sql, d, { action: "map.frames", count: null, from, until: to });
  // A window that ended RECENT_MS ago or more does not wait for a fold while the background job
  // keeps the rollup current: late readings reach it within seconds, and waiting for the fold of
  // every live (and backfilled) reading held each replay seek up behind the intake's writes.
  if (to.getTime() > Date.now() - RECENT_MS || !rollupKeptCurrent()) await refreshRollup(db.sql, city);
  const rollupDataset = rollupDatasetOf(opts.layer);
  const basis = access.basis(rollupDataset);
  const t = await trafficSet(db.sql, city);
  const series: Frames["series"] = {};
  if (basis && basis.scope === "raw") {
    const raw: WindowSeries = opts.bbox || !wholeDatasetBasis(basis)
      ? await computeSeries(db.sql, m, t, opts.layer, basis, from, count, bucketS, opts.bbox)
      : await seriesCached(db.sql, m, t, opts.layer, basis, from, count, bucketS);
    const withheld = new Set(withheldFields(basis));
    for (const [name, s] of Object.entries(raw)) {
      if ((SERIES_FIELDS[name] ?? []).some((f) => withheld.has(f))) continue;
      if ("bytes" in s) {
        series[name] = { ids: s.ids, q: q8Bytes(s.bytes, SCALES[name]) };
        continue;
      }
      let scale = SCALES[name];
      if (name === "cellLoad") {
        let max = 0;
        for (const v of s.values) if (Number.isFinite(v) && v > max) max = v;
        scale = Math.max(0.01, max / 250);
      }
      series[name] = { ids: s.ids, q: q8(s.values, scale) };
    }
  }
  const ib = access.basis("safety.incidents");
  let incidents = opts.layer === "safety" && ib && ib.scope === "raw" ? await incidentTimelines(db.sql, ib, from, to, opts.bbox) : null;
  const notes = [...access.notes];
  if (incidents) {
    // Confirmed citizen reports of safety categories replay beside them, as reports.citizen's basis lets through (as the live answer does).
    const reports = await layerAccess(db.sql, opts.viewer, ["reports.citizen"]);
    const rb = reports.basis("reports.citizen");
    if (rb) {
      const citizen = await citizenIncidentTimelines(db.sql, rb, from, to, opts.bbox);
      await reports.record(db.sql, "reports.citizen", { action: "map.frames", count: citizen.length, from, until: to });
      incidents = [...incidents, ...citizen];
    }
    notes.push(...reports.notes);
  }
  const scoped: ScopedCellFrames[] = [];
  for (const d of datasets) {
    const b = access.basis(d);
    if (!b || b.scope === "raw") continue;
    const cells = d === "safety.incidents"
      ? await scopedIncidentFrameCells(db.sql, b, { from, count, bucketS }, opts.bbox)
      : await scopedFrameCells(db.sql, b, { from, count, bucketS }, opts.bbox);
    if (cells) scoped.push(cells);
  }
  return { ...head, series, incidents, scoped, access: notes };
}
