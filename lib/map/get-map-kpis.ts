import type { Viewer } from "../access/viewer";
import type { Sql } from "../db/sql";
import { getDb } from "../db/client";
import { getCity } from "../city/current-city";
import type { CityModel } from "../city/types";
import type { Kpis } from "../api/map-specs";
import { scopedIncidentCounts, scopedIndexTrend, scopedRoadIndex, scopedTotals, zeroTotals, type SensorGrading, type TotalRow } from "../access/scoped/map-kpis";
import { minGroupDevices } from "../access/scoped/map-basis";
import { windowState } from "../access/scoped/map-basis";
import { frameChunkVersions, wholeDatasetBasis } from "../access/scoped/map-frames";
import type { ReadBasis as Basis } from "../access/check-read";
import type { ReadBasis } from "../access/check-read";
import { scopedReportKpis } from "../access/scoped/citizen-reports";
import { layerAccess } from "./access-notes";
import { LATEST_DEFAULT_SPAN_MS } from "./get-layer-latest";
import { refreshRollup } from "./rollup";
import { wholeCityBasis } from "./get-layer-frames";
import { bucketWindow, resolveWindow } from "./time-window";
import { trafficSet, trafficSetNow, type TrafficSet } from "./registry-sensors";
import { gradeOfIndex, ROAD_CLASS_CODES } from "./traffic-grade";

const KPI_DEFAULT_SPAN_MS = 24 * 3_600_000;
const KPI_MAX_SPAN_MS = 7 * 24 * 3_600_000;
/** The KPIs describe the readings of the last 15 minutes before `to`. */
const NOW_SPAN_MS = LATEST_DEFAULT_SPAN_MS;
const CORRIDOR_TREND_MS = 2 * 3_600_000;
const CORRIDORS = 5;

const r3 = (v: number) => Math.round(v * 1000) / 1000;
const r1 = (v: number) => Math.round(v * 10) / 10;

/** Totals of the 15 minutes before `to`; none when `to` is now and now lies outside the grant's data window. */
async function nowTotals(sql: Sql, b: ReadBasis, from: Date, to: Date, live: boolean): Promise<TotalRow[]> {
  if (live && windowState(b, to) !== "inside") return [];
  return scopedTotals(sql, b, from, to, 300);
}

function trend(rows: TotalRow[], from: Date, bucketS: number, count: number, value: (r: TotalRow) => number | null) {
  const values: (number | null)[] = new Array(count).fill(null);
  const first = from.getTime() / 1000 / bucketS;
  for (const r of rows) {
    const b = Math.round(r.bb - first);
    if (b >= 0 && b < count) values[b] = value(r);
  }
  return { from: from.toISOString(), bucketS, values };
}

const sum = (rows: TotalRow[]): TotalRow =>
  rows.reduce((a, r) => {
    const out = { ...a, n: a.n + r.n };
    for (const k of Object.keys(r) as (keyof TotalRow)[]) if (k !== "bb" && k !== "n") out[k] = a[k] + r[k];
    return out;
  }, zeroTotals(0, 0));

/** Estimated grid load: the mean feeder reading times the number of feeders (missing meters count at the mean). */
export const gridLoad = (t: TotalRow, feeders: number) => (t.loadReadings > 0 ? (t.loadMwSum / t.loadReadings) * feeders : null);
export const gridProduction = (t: TotalRow, sites: number) => (t.productionReadings > 0 ? (t.productionMwSum / t.productionReadings) * sites : null);

const gradingCache = new WeakMap<TrafficSet, SensorGrading>();

/**
 * Each traffic sensor's road class and weight for the traffic index: the length of the
 * segment it measures, shared among the sensors on that segment. Length, not flow: every
 * kilometre of road counts alike, the index needs only the speed field (a grant that
 * withholds flow still has it), and a jam, where flow collapses, keeps its full weight.
 */
export function sensorGrading(city: CityModel, set: TrafficSet = trafficSetNow(city)): SensorGrading {
  let g = gradingCache.get(set);
  if (g) return g;
  const segs = new Map(city.network.segments.map((s) => [s.id, s]));
  const list = [...set.byId.values()];
  const perSegment = new Map<string, number>();
  for (const x of list) perSegment.set(x.segment, (perSegment.get(x.segment) ?? 0) + 1);
  g = {
    ids: list.map((x) => x.id),
    classCode: list.map((x) => Math.max(0, ROAD_CLASS_CODES.indexOf(segs.get(x.segment)?.class ?? "local"))),
    weightM: list.map((x) => (segs.get(x.segment)?.lengthM ?? 0) / perSegment.get(x.segment)!),
  };
  gradingCache.set(set, g);
  return g;
}

const r2 = (v: number) => Math.round(v * 100) / 100;

const TREND_CACHE_MAX = 20_000;
/**
 * Per database: its buckets' versions are its own. On globalThis, so that the background
 * warm-up (server.ts's modules) and the routes (Next.js's bundle of the same modules) share it.
 */
const TREND_CACHES_KEY = Symbol.for("city-brain.kpi-trend-caches");
function trendCaches(): WeakMap<Sql, Map<string, { version: number; iw: number; w: number }>> {
  const g = globalThis as { [TREND_CACHES_KEY]?: WeakMap<Sql, Map<string, { version: number; iw: number; w: number }>> };
  return (g[TREND_CACHES_KEY] ??= new WeakMap());
}

/**
 * The city's index sums per 5-minute bucket of [from, to) (from on a bucket boundary), each
 * bucket kept in memory under its basis while its version holds (the largest ledger leaf the
 * rollup folded into it, map_bucket_total.last_leaf): a poll grades again only the buckets
 * that changed, usually the newest one, instead of every sensor's 24 buckets (about 0.1 s a
 * request on the default city, 1 s on a size-10 one).
 */
async function cityIndexTrend(sql: Sql, basis: Basis, city: CityModel, from: Date, to: Date, grading: SensorGrading) {
  const versions = await frameChunkVersions(sql, [basis.datasetId], from, to, 300_000);
  let trendCache = trendCaches().get(sql);
  if (!trendCache) trendCaches().set(sql, (trendCache = new Map()));
  // Every basis that sees the whole dataset shares its buckets (the background warm-up's among them).
  const key = JSON.stringify([city.seed, city.size, basis.datasetId, ...(wholeDatasetBasis(basis) ? ["whole"] : [basis.scope, basis.fields ?? null, basis.area ?? null, basis.window])]);
  let stale: number | null = null;
  for (let t = from.getTime(); t < to.getTime(); t += 300_000) {
    const v = versions.get(t);
    const hit = trendCache.get(`${key}|${t}`);
    if (v !== undefined && (!hit || hit.version !== v)) {
      stale = t;
      break;
    }
  }
  if (stale !== null) {
    const fresh = new Map((await scopedIndexTrend(sql, basis, new Date(stale), to, grading)).map((r) => [r.b * 300_000, r]));
    for (let t = stale; t < to.getTime(); t += 300_000) {
      const v = versions.get(t);
      if (v === undefined) continue;
      const r = fresh.get(t);
      const k = `${key}|${t}`;
      trendCache.delete(k);
      trendCache.set(k, { version: v, iw: r?.iw ?? 0, w: r?.w ?? 0 });
    }
    while (trendCache.size > TREND_CACHE_MAX) trendCache.delete(trendCache.keys().next().value!);
  }
  const out: { b: number; iw: number; w: number }[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += 300_000) {
    const hit = versions.has(t) ? trendCache.get(`${key}|${t}`) : undefined;
    if (hit && hit.w > 0) out.push({ b: t / 300_000, iw: hit.iw, w: hit.w });
  }
  return out;
}

/** The first bucket of the KPIs' 2-hour index trends ending at `to`. */
const trendStart = (to: Date) => new Date(Math.floor((to.getTime() - CORRIDOR_TREND_MS) / 300_000) * 300_000);

const TREND_WARM_INTERVAL_MS = 30_000;
const trendWarmedAt = new WeakMap<Sql, number>();

/**
 * Keeps the whole city's index trend (cityIndexTrend, the last 2 hours) graded in the
 * background, at most every 30 s, for the viewers who see the whole traffic dataset. Graded
 * cold, its 24 buckets took one PGlite statement of 1.7 s on the size-10 city, on the thread
 * that serves every request: a first map's KPIs, and the layers' answers queued behind them,
 * waited for it. Warm, a request grades only the buckets folded since (usually the newest).
 */
export async function warmKpiTrend(sql: Sql, city: CityModel, now = Date.now()): Promise<void> {
  if (now - (trendWarmedAt.get(sql) ?? 0) < TREND_WARM_INTERVAL_MS) return;
  trendWarmedAt.set(sql, now);
  const to = new Date(now);
  await cityIndexTrend(sql, wholeCityBasis("traffic.flow"), city, trendStart(to), to, sensorGrading(city, await trafficSet(sql, city)));
}

function roadName(city: CityModel, roadId: string) {
  const road = city.network.roads.find((r) => r.id === roadId);
  return { nameZh: road?.nameZh ?? roadId, nameEn: road?.nameEn ?? road?.nameZh ?? roadId };
}

/**
 * The duty officer's KPIs at `to` (the readings of the 15 minutes before it) and their
 * trends over the window, from the rollup's per-bucket sums: average speed, the traffic
 * performance index (0–10, lib/map/traffic-grade.ts; length-weighted over the sensored
 * segments, each graded per 5-minute bucket by its mean speed and road class) with its grade
 * and its 2-hour trend, the five worst corridors (named roads of at least two sensors by index),
 * grid load, capacity and reserve, renewable production, open incidents by severity and
 * cameras online, open citizen reports and their median time to resolution. A domain the viewer may not read is null, with a note saying why.
 */
export async function getMapKpis(opts: { viewer: Viewer; from?: string; to?: string; bucket: number }): Promise<Kpis> {
  const db = await getDb();
  const city = getCity();
  const w = resolveWindow(opts, { defaultSpanMs: KPI_DEFAULT_SPAN_MS, maxSpanMs: KPI_MAX_SPAN_MS });
  const { from, count } = bucketWindow(w, opts.bucket);
  const to = w.to;
  const bucketS = opts.bucket;
  const nowFrom = new Date(to.getTime() - NOW_SPAN_MS);
  const access = await layerAccess(db.sql, opts.viewer, ["traffic.flow", "energy.load", "safety.incidents", "safety.cameras", "reports.citizen"]);
  await refreshRollup(db.sql, city);
  // The model's sensors and registered ones placed on its segments (read before any scoped read: area grants use their places).
  const sensors = await trafficSet(db.sql, city);
  const live = opts.to === undefined;
  const tb = access.basis("traffic.flow"), eb = access.basis("energy.load"), ib = access.basis("safety.incidents"), cb = access.basis("safety.cameras");
  const rb = access.basis("reports.citizen");
  const out: Kpis = { from: from.toISOString(), to: to.toISOString(), traffic: null, energy: null, safety: null, reports: null, access: access.notes };

  for (const d of ["traffic.flow", "energy.load", "safety.incidents", "safety.cameras", "reports.citizen"]) {
    if (access.basis(d)) await access.record(db.sql, d, { action: "map.kpis", count: null, from, until: to });
  }
  if (tb) {
    // Corridors are named roads (expressways, arterials, collectors), not local streets.
    const named = new Set(city.network.roads.filter((r) => r.nameZh).map((r) => r.id));
    const grading = sensorGrading(city, sensors);
    const rows = await scopedTotals(db.sql, tb, from, to, bucketS);
    const now = sum(await nowTotals(db.sql, tb, nowFrom, to, live));
    const outside = live && windowState(tb, to) !== "inside";
    const roadRows = outside ? [] : await scopedRoadIndex(db.sql, tb, nowFrom, to, grading);
    // The city: every sensor with a speed, by length (k sensors in all under anonymized or aggregated scope).
    const k = tb.scope === "raw" ? 1 : minGroupDevices();
    const city_ = roadRows.reduce((a, r) => ({ iw: a.iw + r.iw, w: a.w + r.w, cw: a.cw + r.congestedW, sensors: a.sensors + r.sensors }), { iw: 0, w: 0, cw: 0, sensors: 0 });
    const cityOk = city_.w > 0 && city_.sensors >= k;
    const index = cityOk ? r2(city_.iw / city_.w) : null;
    // Worst corridors: the highest index first, then the lowest speed ratio.
    const minSensors = Math.max(2, k);
    const roads = roadRows
      .filter((r) => named.has(r.road_id) && r.sensors >= minSensors && r.w > 0)
      .map((r) => ({ ...r, index: r.iw / r.w }))
      .sort((a, b) => b.index - a.index || (a.ratio ?? 1) - (b.ratio ?? 1) || (a.road_id < b.road_id ? -1 : 1))
      .slice(0, CORRIDORS);
    const trendFrom = trendStart(to);
    const trendCount = Math.ceil((to.getTime() - trendFrom.getTime()) / 300_000);
    const series = (list: { b: number; iw: number; w: number }[]) => {
      const values: (number | null)[] = new Array(trendCount).fill(null);
      for (const t of list) {
        const b = Math.round(t.b - trendFrom.getTime() / 300_000);
        if (b >= 0 && b < trendCount && t.w > 0) values[b] = r2(t.iw / t.w);
      }
      return values;
    };
    const cityTrend = await cityIndexTrend(db.sql, tb, city, trendFrom, to, grading);
    const corridorTrend = await scopedIndexTrend(db.sql, tb, trendFrom, to, grading, roads.map((r) => r.road_id));
    out.traffic = {
      speedKmh: now.n ? r1(now.speedKmhSum / now.n) : null,
      index,
      grade: gradeOfIndex(index),
      speedRatio: now.n ? r3(now.speedRatioSum / now.n) : null,
      congestedShare: cityOk ? r3(city_.cw / city_.w) : null,
      trendIndex: { from: trendFrom.toISOString(), bucketS: 300, values: series(cityTrend) },
      trendSpeed: trend(rows, from, bucketS, count, (r) => (r.n ? r1(r.speedKmhSum / r.n) : null)),
      worstCorridors: roads.map((r) => ({
        roadId: r.road_id,
        ...roadName(city, r.road_id),
        index: r2(r.index),
        grade: gradeOfIndex(r.index)!,
        speedRatio: r.ratio === null ? null : r3(r.ratio),
        sensors: r.sensors,
        trend: series(corridorTrend.filter((t) => t.road_id === r.road_id)),
      })),
    };
  }

  if (eb) {
    const feeders = city.energy.feeders.length, sites = city.energy.renewables.length;
    const capacityMw = city.energy.substations.reduce((a, s) => a + s.capacityMw, 0);
    const rows = await scopedTotals(db.sql, eb, from, to, bucketS);
    const now = sum(await nowTotals(db.sql, eb, nowFrom, to, live));
    const load = gridLoad(now, feeders);
    out.energy = {
      loadMw: load === null ? null : r1(load),
      capacityMw,
      reserveMw: load === null ? null : r1(capacityMw - load),
      productionMw: (() => {
        const p = gridProduction(now, sites);
        return p === null ? null : r1(p);
      })(),
      trendLoad: trend(rows, from, bucketS, count, (r) => {
        const l = gridLoad(r, feeders);
        return l === null ? null : r1(l);
      }),
      trendReserve: trend(rows, from, bucketS, count, (r) => {
        const l = gridLoad(r, feeders);
        return l === null ? null : r1(capacityMw - l);
      }),
    };
  }

  if (ib || cb) {
    let open = { s1: 0, s2: 0, s3: 0 };
    let trendOpen = { from: from.toISOString(), bucketS, values: new Array<number | null>(count).fill(null) };
    if (ib) {
      const counts = await scopedIncidentCounts(db.sql, ib, { from: nowFrom, to, live }, { from, to, bucketS });
      if (counts.open) open = counts.open;
      const rows = counts.trend;
      trendOpen = trend(rows.map((r) => zeroTotals(Number(r.bb), Number(r.open))), from, bucketS, count, (r) => r.n);
      // After the first incident reading, a bucket with none open reads 0 (not "no data").
      const first = trendOpen.values.findIndex((v) => v !== null);
      if (first >= 0) trendOpen.values = trendOpen.values.map((v, b) => (v === null && b > first ? 0 : v));
    }
    let camerasOnline: number | null = null;
    if (cb) {
      const now = sum(await nowTotals(db.sql, cb, nowFrom, to, live));
      camerasOnline = now.n && Number.isFinite(now.onlineCount) ? r3(now.onlineCount / now.n) : null;
    }
    out.safety = { open, trendOpen, camerasOnline };
  }
  if (rb) out.reports = await scopedReportKpis(db.sql, rb, to);
  return out;
}
