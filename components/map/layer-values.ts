/**
 * The values each layer draws, as typed arrays in the order of the layer's features, from
 * a live snapshot (plus live updates) or from a replay frame. Pure: runs in Node for tests.
 */
import type {
  EnergyFeatures, EnergyLatest, Frames, IncidentState, IncidentTimeline, SafetyFeatures, SafetyLatest, TrafficFeatures, TrafficLatest,
} from "@/lib/api/map-specs";
import { decodeQ8 } from "@/lib/map/q8";

export type TrafficValues = { ratio: Float32Array; flow: Float32Array; incidents: IncidentState[] | null; count: number };
export type EnergyValues = {
  feederUtil: Float32Array;
  feederOut: Uint8Array;
  renewableCf: Float32Array;
  substationUtil: Float32Array;
  cellLoad: Float32Array;
  cellMax: number;
  count: number;
};
export type SafetyValues = { cameraState: Uint8Array; incidents: IncidentState[] | null; count: number };
export type TrafficUpdate = { device: string; speed: number; ratio: number; observedAt: string };

/** How long a resolved incident stays on the map (as the simulator and dispatch do). */
export const RESOLVED_VISIBLE_MS = 15 * 60_000;
export const CAMERA_ALERTS = ["none", "congestion", "accident", "fire", "crowd"] as const;
export const NO_STATE = 255;

export function indexOf(ids: readonly string[]): Map<string, number> {
  return new Map(ids.map((id, i) => [id, i]));
}

const nan = (n: number) => new Float32Array(n).fill(Number.NaN);
/** A value the grant may withhold (null): NaN, drawn as "no data". */
const val = (v: number | null | undefined) => (v === null || v === undefined ? Number.NaN : v);

export function trafficFromLatest(f: TrafficFeatures, latest: TrafficLatest | undefined, index = indexOf(f.sensors.ids)): TrafficValues {
  const n = f.sensors.ids.length;
  const v: TrafficValues = { ratio: nan(n), flow: nan(n), incidents: latest?.incidents ?? null, count: 0 };
  if (!latest) return v;
  latest.sensors.ids.forEach((id, k) => {
    const i = index.get(id);
    if (i === undefined) return;
    v.ratio[i] = val(latest.sensors.ratio[k]);
    v.flow[i] = val(latest.sensors.flowVehH[k]);
    if (!Number.isNaN(v.ratio[i]) || !Number.isNaN(v.flow[i])) v.count++;
  });
  return v;
}

/** Applies live traffic updates in place; returns how many sensors changed. */
export function applyTrafficUpdates(v: TrafficValues, index: Map<string, number>, updates: readonly TrafficUpdate[]): number {
  let changed = 0;
  for (const u of updates) {
    const i = index.get(u.device);
    if (i === undefined) continue;
    if (Number.isNaN(v.ratio[i])) v.count++;
    v.ratio[i] = u.ratio;
    changed++;
  }
  return changed;
}

export function energyFromLatest(f: EnergyFeatures, latest: EnergyLatest | undefined): EnergyValues {
  const v: EnergyValues = {
    feederUtil: nan(f.feeders.ids.length),
    feederOut: new Uint8Array(f.feeders.ids.length),
    renewableCf: nan(f.renewables.ids.length),
    substationUtil: nan(f.substations.ids.length),
    cellLoad: nan(f.cells.ids.length),
    cellMax: 0,
    count: 0,
  };
  if (!latest) return v;
  const fi = indexOf(f.feeders.ids), ri = indexOf(f.renewables.ids), si = indexOf(f.substations.ids), ci = indexOf(f.cells.ids);
  latest.feeders.ids.forEach((id, k) => {
    const i = fi.get(id);
    if (i === undefined) return;
    v.feederUtil[i] = val(latest.feeders.utilisation[k]);
    v.count++;
  });
  for (const id of latest.outages) {
    const i = fi.get(id);
    if (i !== undefined) v.feederOut[i] = 1;
  }
  latest.renewables.ids.forEach((id, k) => {
    const i = ri.get(id);
    if (i === undefined) return;
    v.renewableCf[i] = val(latest.renewables.capacityFactor[k]);
    v.count++;
  });
  latest.substations.ids.forEach((id, k) => {
    const i = si.get(id);
    if (i !== undefined) v.substationUtil[i] = latest.substations.utilisation[k];
  });
  latest.cells.ids.forEach((id, k) => {
    const i = ci.get(id);
    if (i === undefined) return;
    v.cellLoad[i] = latest.cells.loadMw[k];
    v.cellMax = Math.max(v.cellMax, latest.cells.loadMw[k]);
    v.count++;
  });
  return v;
}

export function cameraCode(online: boolean, alert: string): number {
  if (!online) return 0;
  const k = CAMERA_ALERTS.indexOf(alert as (typeof CAMERA_ALERTS)[number]);
  return 1 + Math.max(0, k);
}

export function safetyFromLatest(f: SafetyFeatures, latest: SafetyLatest | undefined): SafetyValues {
  const n = f.cameras?.ids.length ?? 0;
  // Incidents drawn count whether or not the viewer may see cameras (the layer panel's state follows the map).
  const v: SafetyValues = { cameraState: new Uint8Array(n).fill(NO_STATE), incidents: latest?.incidents ?? null, count: latest?.incidents?.length ?? 0 };
  if (!latest?.cameras || !f.cameras) return v;
  const idx = indexOf(f.cameras.ids);
  latest.cameras.ids.forEach((id, k) => {
    const i = idx.get(id);
    if (i === undefined) return;
    const online = latest.cameras!.online[k];
    // Online withheld: the camera is drawn without a state.
    v.cameraState[i] = online === null ? NO_STATE : cameraCode(online, latest.cameras!.alert[k] ?? "none");
    v.count++;
  });
  return v;
}

// ---- replay frames ----

/** A decoded series: values row-major [bucket][series id], and where each feature finds its column. */
export type DecodedSeries = { values: Float32Array; width: number; column: Int32Array };
export type DecodedFrames = {
  from: number;
  bucketMs: number;
  count: number;
  series: Record<string, DecodedSeries>;
  incidents: IncidentTimeline[] | null;
};

/** Decodes frames once; `featureIds` gives, per series, the feature order to map to. */
export function decodeFrames(frames: Frames, featureIds: Record<string, readonly string[]>): DecodedFrames {
  const series: Record<string, DecodedSeries> = {};
  for (const [name, s] of Object.entries(frames.series)) {
    const ids = featureIds[name];
    if (!ids) continue;
    const col = indexOf(s.ids);
    series[name] = { values: decodeQ8(s.q), width: s.ids.length, column: Int32Array.from(ids, (id) => col.get(id) ?? -1) };
  }
  return { from: Date.parse(frames.from), bucketMs: frames.bucketS * 1000, count: frames.count, series, incidents: frames.incidents };
}

/** The bucket a moment falls in, clamped to the frames. */
export function bucketAt(d: DecodedFrames, t: number): number {
  return Math.max(0, Math.min(d.count - 1, Math.floor((t - d.from) / d.bucketMs)));
}

/** One series' values at bucket b, in feature order (NaN where missing). */
export function seriesAt(d: DecodedFrames, name: string, b: number, n: number): Float32Array {
  const out = nan(n);
  const s = d.series[name];
  if (!s) return out;
  const base = b * s.width;
  for (let i = 0; i < n && i < s.column.length; i++) {
    const c = s.column[i];
    if (c >= 0) out[i] = s.values[base + c];
  }
  return out;
}

/** Incidents as they stood at moment t: started, and not resolved longer ago than RESOLVED_VISIBLE_MS. */
export function incidentsAt(timelines: readonly IncidentTimeline[] | null, t: number): IncidentState[] | null {
  if (!timelines) return null;
  const out: IncidentState[] = [];
  for (const inc of timelines) {
    let status: IncidentState["status"] | null = null;
    let since = 0;
    for (const [at, s] of inc.changes) {
      if (at > t) break;
      status = s;
      since = at;
    }
    if (!status) continue;
    const lastSeen = inc.changes[inc.changes.length - 1][0];
    if (status === "resolved" && t - since > RESOLVED_VISIBLE_MS) continue;
    if (status !== "resolved" && t - lastSeen > RESOLVED_VISIBLE_MS) continue;
    const { changes: _changes, ...rest } = inc;
    out.push({ ...rest, status, observedAt: new Date(since).toISOString(), leafIndex: -1 });
  }
  return out;
}

export function trafficAt(f: TrafficFeatures, d: DecodedFrames, t: number): TrafficValues {
  const b = bucketAt(d, t);
  const n = f.sensors.ids.length;
  const ratio = seriesAt(d, "ratio", b, n);
  let count = 0;
  for (const r of ratio) if (!Number.isNaN(r)) count++;
  return { ratio, flow: seriesAt(d, "flow", b, n), incidents: null, count };
}

export function energyAt(f: EnergyFeatures, d: DecodedFrames, t: number): EnergyValues {
  const b = bucketAt(d, t);
  const cellLoad = seriesAt(d, "cellLoad", b, f.cells.ids.length);
  const feederUtil = seriesAt(d, "feederUtil", b, f.feeders.ids.length);
  let cellMax = 0, count = 0;
  for (const c of cellLoad) {
    if (c > cellMax) cellMax = c;
    if (!Number.isNaN(c)) count++;
  }
  for (const u of feederUtil) if (!Number.isNaN(u)) count++;
  return {
    feederUtil,
    feederOut: new Uint8Array(f.feeders.ids.length),
    renewableCf: seriesAt(d, "renewableCf", b, f.renewables.ids.length),
    substationUtil: seriesAt(d, "substationUtil", b, f.substations.ids.length),
    cellLoad,
    cellMax,
    count,
  };
}

export function safetyAt(f: SafetyFeatures, d: DecodedFrames, t: number): SafetyValues {
  const b = bucketAt(d, t);
  const n = f.cameras?.ids.length ?? 0;
  const s = seriesAt(d, "cameraState", b, n);
  const cameraState = new Uint8Array(n).fill(NO_STATE);
  let count = 0;
  s.forEach((v, i) => {
    if (Number.isNaN(v)) return;
    cameraState[i] = v;
    count++;
  });
  const incidents = incidentsAt(d.incidents, t);
  return { cameraState, incidents, count: count + (incidents?.length ?? 0) };
}
