import type { Viewer } from "../access/viewer";
import type { ReadBasis } from "../access/check-read";
import type { BBox } from "../city/types";
import { getDb } from "../db/client";
import { getCity } from "../city/current-city";
import type { EnergyLatest, IncidentState, LayerLatest, MapLayerId, SafetyLatest, ScopedCells, TrafficLatest } from "../api/map-specs";
import { scopedLatestCells, scopedLatestRows, type LatestRow } from "../access/scoped/map-latest";
import { layerAccess, type LayerAccess } from "./access-notes";
import { inBbox, mapModel, type MapModel } from "./map-features";
import { refreshRollup } from "./rollup";
import { trafficSet, type TrafficSet } from "./registry-sensors";
import { incidentFromPayload, incidentFromReport } from "./incident-state";
import { scopedConfirmedReportCells, scopedConfirmedReports } from "../access/scoped/citizen-reports";
import { CITIZEN_LAYER_CODES, reportState } from "./citizen-layer";
import { SERVICES } from "../citizen/service-catalogue";
import { coarsen } from "../citizen/report-content";
import { resolveWindow, type TimeWindow } from "./time-window";
import type { Sql } from "../db/sql";

export const LATEST_DEFAULT_SPAN_MS = 15 * 60_000;
const LATEST_MAX_SPAN_MS = 24 * 3_600_000;
/** A feeder is out when its head voltage drops below this, or it carries no load. */
export const OUTAGE_VOLTAGE_KV = 9.5;

const num = (v: unknown) => (typeof v === "number" ? v : Number(v));
/** A granted numeric value, null when the field is withheld. */
const opt = (v: unknown) => (v === undefined || v === null ? null : num(v));
const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** Traffic sensors whose segment touches a bbox (null: no filter). */
function trafficDevices(t: TrafficSet, bbox?: BBox): string[] | null {
  if (!bbox) return null;
  return t.sensors.ids.filter((_, i) => t.paths[i].some((p) => inBbox(p, bbox)));
}

/** An incident reading as the map shows it; null when the payload is not an incident. */
export function incidentState(r: LatestRow): IncidentState | null {
  return incidentFromPayload(r.payload, [r.lon, r.lat], r.observed_at.toISOString(), r.leaf_index);
}

/** Confirmed citizen reports of safety categories as incidents of source "citizen", at their public (coarsened) position. */
export async function citizenIncidentsAt(sql: Sql, basis: ReadBasis, to: Date): Promise<IncidentState[]> {
  const rows = await scopedConfirmedReports(sql, basis, SERVICES.filter((x) => x.safety).map((x) => x.code), to);
  return rows.map((r) =>
    incidentFromReport({ id: r.id, serviceCode: r.service_code, position: coarsen(r.lon, r.lat), createdAt: new Date(r.created_at).toISOString(), confirmedAt: new Date(r.confirmed_at).toISOString(), leafIndex: Number(r.leaf_index) }),
  );
}

export async function incidentsAt(sql: Sql, basis: ReadBasis, w: TimeWindow, live: boolean, bbox?: BBox): Promise<IncidentState[]> {
  const rows = await scopedLatestRows(sql, basis, w, { live });
  return rows
    .map(incidentState)
    .filter((x): x is IncidentState => x !== null && inBbox(x.position, bbox))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The latest values of the traffic sensors the map draws (the model's and registered ones, lib/map/registry-sensors); rows of other devices are left out. */
export function trafficColumns(t: Pick<TrafficSet, "index" | "sensors">, rows: LatestRow[]): TrafficLatest["sensors"] {
  const out: TrafficLatest["sensors"] = { ids: [], speedKmh: [], ratio: [], flowVehH: [], occupancy: [], observedAt: [], leafIndex: [] };
  for (const r of rows) {
    const i = t.index.get(r.device_id);
    if (i === undefined) continue;
    const speed = opt(r.payload.speedKmh);
    out.ids.push(r.device_id);
    out.speedKmh.push(speed);
    out.ratio.push(speed === null ? null : r3(speed / t.sensors.freeFlowKmh[i]));
    out.flowVehH.push(opt(r.payload.flowVehH));
    out.occupancy.push(opt(r.payload.occupancy));
    out.observedAt.push(r.observed_at.toISOString());
    out.leafIndex.push(r.leaf_index);
  }
  return out;
}

/** Feeders, renewables, substations and consumption cells from the latest energy readings. */
export function energyColumns(m: MapModel, rows: LatestRow[], bbox?: BBox): Omit<EnergyLatest, "layer" | "from" | "to" | "access" | "scoped"> {
  const feeders: EnergyLatest["feeders"] = { ids: [], loadMw: [], utilisation: [], voltageKv: [], observedAt: [], leafIndex: [] };
  const renewables: EnergyLatest["renewables"] = { ids: [], productionMw: [], capacityFactor: [], observedAt: [], leafIndex: [] };
  const subLoad = new Float64Array(m.energy.substations.ids.length);
  const subCount = new Int32Array(m.energy.substations.ids.length);
  const cellLoad = new Map<number, number>();
  const outages: string[] = [];
  for (const r of rows) {
    const p = r.payload;
    const fi = m.feederByMeter.get(r.device_id);
    if (p.meter === "feeder" && fi !== undefined) {
      const id = m.energy.feeders.ids[fi];
      const touches = !bbox || m.feederPaths[fi].some((q) => inBbox(q, bbox));
      const load = opt(p.loadMw);
      const voltage = opt(p.voltageKv);
      const s = m.feederSubstation[fi];
      if (s >= 0 && load !== null) {
        subLoad[s] += load;
        subCount[s]++;
      }
      if (!touches) continue;
      feeders.ids.push(id);
      feeders.loadMw.push(load);
      feeders.utilisation.push(opt(p.utilisation));
      feeders.voltageKv.push(voltage);
      feeders.observedAt.push(r.observed_at.toISOString());
      feeders.leafIndex.push(r.leaf_index);
      if ((load !== null && load <= 0) || (voltage !== null && voltage < OUTAGE_VOLTAGE_KV)) outages.push(id);
      if (load !== null) for (const [cell, share] of m.feederCells.get(id) ?? []) cellLoad.set(cell, (cellLoad.get(cell) ?? 0) + load * share);
      continue;
    }
    const ri = m.renewableByMeter.get(r.device_id);
    if (p.meter === "production" && ri !== undefined) {
      const pos: [number, number] = [m.energy.renewables.position[2 * ri], m.energy.renewables.position[2 * ri + 1]];
      if (!inBbox(pos, bbox)) continue;
      renewables.ids.push(m.energy.renewables.ids[ri]);
      renewables.productionMw.push(opt(p.productionMw));
      renewables.capacityFactor.push(opt(p.capacityFactor));
      renewables.observedAt.push(r.observed_at.toISOString());
      renewables.leafIndex.push(r.leaf_index);
    }
  }
  const substations: EnergyLatest["substations"] = { ids: [], loadMw: [], utilisation: [], feedersReporting: [] };
  m.energy.substations.ids.forEach((id, s) => {
    if (subCount[s] === 0) return;
    const pos: [number, number] = [m.energy.substations.position[2 * s], m.energy.substations.position[2 * s + 1]];
    if (!inBbox(pos, bbox)) return;
    substations.ids.push(id);
    substations.loadMw.push(r3(subLoad[s]));
    substations.utilisation.push(r3(subLoad[s] / m.energy.substations.capacityMw[s]));
    substations.feedersReporting.push(subCount[s]);
  });
  const cells: EnergyLatest["cells"] = { ids: [], loadMw: [] };
  for (const [cell, load] of [...cellLoad].sort((a, b) => a[0] - b[0])) {
    cells.ids.push(m.energy.cells.ids[cell]);
    cells.loadMw.push(r3(load));
  }
  return { feeders, renewables, substations, cells, outages };
}

export function cameraColumns(m: MapModel, rows: LatestRow[], bbox?: BBox): NonNullable<SafetyLatest["cameras"]> {
  const out: NonNullable<SafetyLatest["cameras"]> = { ids: [], online: [], alert: [], vehiclesPerMin: [], pedestriansPerMin: [], observedAt: [], leafIndex: [] };
  for (const r of rows) {
    if (!m.cameraIndex.has(r.device_id) || !inBbox([r.lon, r.lat], bbox)) continue;
    const p = r.payload;
    out.ids.push(r.device_id);
    out.online.push(typeof p.online === "boolean" ? p.online : null);
    out.alert.push(typeof p.alert === "string" ? p.alert : null);
    out.vehiclesPerMin.push(opt(p.vehiclesPerMin));
    out.pedestriansPerMin.push(opt(p.pedestriansPerMin));
    out.observedAt.push(r.observed_at.toISOString());
    out.leafIndex.push(r.leaf_index);
  }
  return out;
}

/** Cells of the layer's datasets the viewer holds anonymized or aggregated. */
async function cellsOf(sql: Sql, access: LayerAccess, datasets: string[], w: TimeWindow, live: boolean, bbox?: BBox): Promise<ScopedCells[]> {
  const out: ScopedCells[] = [];
  for (const d of datasets) {
    const b = access.basis(d);
    if (!b || b.scope === "raw") continue;
    const cells = await scopedLatestCells(sql, b, w, { live, bbox });
    await access.record(sql, d, { action: "map.latest.cells", count: cells.ids.length, from: w.from, until: w.to });
    out.push(cells);
  }
  return out;
}

const NO_ENERGY = () => ({
  feeders: { ids: [], loadMw: [], utilisation: [], voltageKv: [], observedAt: [], leafIndex: [] },
  renewables: { ids: [], productionMw: [], capacityFactor: [], observedAt: [], leafIndex: [] },
  substations: { ids: [], loadMw: [], utilisation: [], feedersReporting: [] },
  cells: { ids: [], loadMw: [] },
  outages: [],
});

/**
 * The latest value of every feature of a layer in (from, to], live when `to` is not given.
 * Every dataset read passes the access check and is read as its basis allows
 * (lib/access/scoped/map-latest): raw per-device values inside the grant's area, window and
 * fields, or anonymized and aggregated cells. A dataset the viewer may not read comes back
 * null with a note saying why, and a layer with none readable is refused (403).
 */
export async function getLayerLatest(opts: { viewer: Viewer; layer: MapLayerId; from?: string; to?: string; bbox?: BBox }): Promise<LayerLatest> {
  const db = await getDb();
  const city = getCity();
  const m = mapModel(city);
  const live = opts.to === undefined;
  const w = resolveWindow(opts, { defaultSpanMs: LATEST_DEFAULT_SPAN_MS, maxSpanMs: LATEST_MAX_SPAN_MS });
  const win = { from: w.from.toISOString(), to: w.to.toISOString() };
  if (opts.layer === "traffic") {
    const access = await layerAccess(db.sql, opts.viewer, ["traffic.flow", "safety.incidents"], { require: true });
    if (live) await refreshRollup(db.sql, city);
    const t = await trafficSet(db.sql, city);
    const tb = access.basis("traffic.flow"), ib = access.basis("safety.incidents");
    const rows = tb && access.can("traffic.flow") ? await scopedLatestRows(db.sql, tb, w, { live, devices: trafficDevices(t, opts.bbox) }) : [];
    const incidents = ib && access.can("safety.incidents")
      ? (await incidentsAt(db.sql, ib, w, live, opts.bbox)).filter((x) => x.lanesBlocked > 0 && x.status !== "resolved")
      : null;
    const sensors = trafficColumns(t, rows);
    if (access.can("traffic.flow")) await access.record(db.sql, "traffic.flow", { action: "map.latest", count: sensors.ids.length, from: w.from, until: w.to });
    if (incidents) await access.record(db.sql, "safety.incidents", { action: "map.latest", count: incidents.length, from: w.from, until: w.to });
    const scoped = await cellsOf(db.sql, access, ["traffic.flow"], w, live, opts.bbox);
    return { layer: "traffic", ...win, sensors, incidents, scoped, access: access.notes };
  }
  if (opts.layer === "energy") {
    const access = await layerAccess(db.sql, opts.viewer, ["energy.load"], { require: true });
    if (live) await refreshRollup(db.sql, city);
    const eb = access.basis("energy.load");
    const out = eb && access.can("energy.load") ? energyColumns(m, await scopedLatestRows(db.sql, eb, w, { live }), opts.bbox) : NO_ENERGY();
    if (access.can("energy.load")) {
      await access.record(db.sql, "energy.load", { action: "map.latest", count: out.feeders.ids.length + out.renewables.ids.length, from: w.from, until: w.to });
    }
    const scoped = await cellsOf(db.sql, access, ["energy.load"], w, live, opts.bbox);
    return { layer: "energy", ...win, ...out, scoped, access: access.notes };
  }
  if (opts.layer === "citizen") {
    // Confirmed reports of non-safety categories, as reports.citizen's basis lets through (its
    // data window and area over the filing time and exact point): one by one at the public,
    // coarsened position under raw or anonymized scope (what each report's public page shows),
    // counted per hexagon over at least k reports under aggregated scope.
    const access = await layerAccess(db.sql, opts.viewer, ["reports.citizen"], { require: true });
    const rb = access.basis("reports.citizen")!;
    if (rb.scope === "aggregated") {
      const cells = await scopedConfirmedReportCells(db.sql, rb, CITIZEN_LAYER_CODES, w.to, opts.bbox);
      await access.record(db.sql, "reports.citizen", { action: "map.latest.cells", count: cells.ids.length, from: w.from, until: w.to });
      return { layer: "citizen", ...win, reports: null, scoped: [cells], access: access.notes };
    }
    const reports = (await scopedConfirmedReports(db.sql, rb, CITIZEN_LAYER_CODES, w.to)).map(reportState).filter((x) => inBbox(x.position, opts.bbox));
    await access.record(db.sql, "reports.citizen", { action: "map.latest", count: reports.length, from: w.from, until: w.to });
    return { layer: "citizen", ...win, reports, scoped: [], access: access.notes };
  }
  const access = await layerAccess(db.sql, opts.viewer, ["safety.incidents", "safety.cameras"], { require: true });
  if (live) await refreshRollup(db.sql, city);
  const ib = access.basis("safety.incidents"), cb = access.basis("safety.cameras");
  const dispatched = ib && access.can("safety.incidents") ? await incidentsAt(db.sql, ib, w, live, opts.bbox) : null;
  const cameras = cb && access.can("safety.cameras") ? cameraColumns(m, await scopedLatestRows(db.sql, cb, w, { live }), opts.bbox) : null;
  if (dispatched) await access.record(db.sql, "safety.incidents", { action: "map.latest", count: dispatched.length, from: w.from, until: w.to });
  if (cameras) await access.record(db.sql, "safety.cameras", { action: "map.latest", count: cameras.ids.length, from: w.from, until: w.to });
  // Confirmed citizen reports of safety categories join the incidents (source "citizen"), as reports.citizen's basis lets through.
  const reports = dispatched ? await layerAccess(db.sql, opts.viewer, ["reports.citizen"]) : null;
  const rb = reports?.basis("reports.citizen");
  const citizen = rb ? (await citizenIncidentsAt(db.sql, rb, w.to)).filter((x) => inBbox(x.position, opts.bbox)) : [];
  if (rb) await reports!.record(db.sql, "reports.citizen", { action: "map.latest", count: citizen.length, from: w.from, until: w.to });
  const incidents = dispatched ? [...dispatched, ...citizen] : null;
  const scoped = await cellsOf(db.sql, access, ["safety.incidents", "safety.cameras"], w, live, opts.bbox);
  return { layer: "safety", ...win, incidents, cameras, scoped, access: [...access.notes, ...(reports?.notes ?? [])] };
}
