/**
 * Incidents as a deterministic process over time: time is cut into 10-minute buckets, and the
 * incidents starting in a bucket follow from a hash of (seed, bucket). Rates scale with the
 * size of the road network and vary by hour (accidents with traffic, crime at night). Active
 * accidents (and hazards blocking lanes) congest traffic within about a kilometre.
 */
import { GridIndex, hashUnit, type CityModel, type LonLat, type Projection, type XY } from "../city";
import { demandProfile } from "./traffic-model";
import { localTime } from "./local-time";
import type { Incident, IncidentStatus, IncidentType } from "./types";

/** Length of an incident time bucket. */
export const INCIDENT_BUCKET_MS = 10 * 60_000;
/** Longest incident. */
export const MAX_INCIDENT_MS = 240 * 60_000;
/** How long a resolved incident stays visible. */
export const RESOLVED_VISIBLE_MS = 15 * 60_000;
/** Minutes an incident stays "reported" before responders are on it. */
const REPORTED_MS = 5 * 60_000;
/** Radius within which an accident congests traffic. */
export const CONGESTION_RADIUS_M = 1000;

const TYPES: readonly IncidentType[] = ["accident", "fire", "crime", "hazard"];
/** Incidents per day for a network of 5,000 segments. */
const DAILY_RATE: Readonly<Record<IncidentType, number>> = { accident: 18, fire: 2, crime: 10, hazard: 5 };
const DURATION_MIN: Readonly<Record<IncidentType, [number, number]>> = {
  accident: [20, 90], fire: [30, 150], crime: [15, 60], hazard: [30, 240],
};

/** Everything the incident process needs from the city, precomputed once. */
export interface IncidentContext {
  seedHash: number;
  scale: number;
  proj: Projection;
  segmentIds: string[];
  segmentLanes: number[];
  segmentXY: XY[][];
  /** Indices of expressway, arterial and collector segments (where most accidents happen). */
  majorSegments: number[];
  dispatchIds: string[];
  dispatchXY: XY[];
}

/** An incident in numbers: times in ms, position in local metres. */
export interface IncidentPlan {
  id: string;
  type: IncidentType;
  severity: 1 | 2 | 3;
  startMs: number;
  endMs: number;
  segment: number;
  xy: XY;
  location: LonLat;
  lanesBlocked: number;
  reporter?: string;
}

/** Precomputes the incident context of a city. */
export function createIncidentContext(city: CityModel, seedHash: number, proj: Projection): IncidentContext {
  const segs = city.network.segments;
  const dispatch = city.devices.filter((d) => d.kind === "dispatch-terminal");
  return {
    seedHash,
    scale: Math.max(0.05, segs.length / 5000),
    proj,
    segmentIds: segs.map((s) => s.id),
    segmentLanes: segs.map((s) => s.lanes),
    segmentXY: segs.map((s) => s.geometry.map((p) => proj.toXY(p))),
    majorSegments: segs.flatMap((s, i) => (s.class === "local" ? [] : [i])),
    dispatchIds: dispatch.map((d) => d.id),
    dispatchXY: dispatch.map((d) => proj.toXY(d.location)),
  };
}

function hourFactor(type: IncidentType, hour: number, weekend: boolean): number {
  switch (type) {
    case "accident": return 0.25 + 1.3 * demandProfile(hour, weekend);
    case "crime": return 0.55 + 0.9 * (hour >= 20 || hour < 4 ? 1 : 0);
    case "fire": return 0.8 + 0.4 * Math.exp(-0.5 * ((hour - 18) / 3) ** 2);
    case "hazard": return 1;
  }
}

/** Inverse-CDF Poisson sample from a uniform u. */
function poissonFromUniform(lambda: number, u: number): number {
  let k = 0;
  let p = Math.exp(-lambda);
  let cdf = p;
  while (u > cdf && k < 50) {
    k++;
    p *= lambda / k;
    cdf += p;
  }
  return k;
}

function pointOn(points: readonly XY[], fraction: number): XY {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
  let rest = fraction * total;
  for (let i = 1; i < points.length; i++) {
    const len = Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
    if (rest <= len) {
      const t = len === 0 ? 0 : rest / len;
      return [points[i - 1][0] + (points[i][0] - points[i - 1][0]) * t, points[i - 1][1] + (points[i][1] - points[i - 1][1]) * t];
    }
    rest -= len;
  }
  return points[points.length - 1];
}

/** The incidents that start in one time bucket. */
export function incidentsInBucket(ctx: IncidentContext, bucket: number): IncidentPlan[] {
  const out: IncidentPlan[] = [];
  if (ctx.segmentIds.length === 0) return out;
  const startOfBucket = bucket * INCIDENT_BUCKET_MS;
  const lt = localTime(startOfBucket + INCIDENT_BUCKET_MS / 2);
  TYPES.forEach((type, t) => {
    const lambda = (DAILY_RATE[type] * ctx.scale * hourFactor(type, lt.hour, lt.weekend) * INCIDENT_BUCKET_MS) / 86_400_000;
    const n = poissonFromUniform(lambda, hashUnit(ctx.seedHash, bucket, t, 0));
    for (let k = 0; k < n; k++) {
      const u = (field: number) => hashUnit(ctx.seedHash, bucket, t, k + 1, field);
      const startMs = startOfBucket + Math.floor(u(1) * INCIDENT_BUCKET_MS);
      const [dMin, dMax] = DURATION_MIN[type];
      const endMs = startMs + Math.round((dMin + (dMax - dMin) * u(2)) * 60_000);
      const r = u(3);
      const severity: 1 | 2 | 3 = r < 0.6 ? 1 : r < 0.9 ? 2 : 3;
      const pool = type === "accident" && u(4) < 0.75 && ctx.majorSegments.length > 0 ? ctx.majorSegments : null;
      const segment = pool ? pool[Math.floor(u(5) * pool.length)] : Math.floor(u(5) * ctx.segmentIds.length);
      const xy = pointOn(ctx.segmentXY[segment], 0.1 + 0.8 * u(6));
      const lanes = ctx.segmentLanes[segment];
      const lanesBlocked = type === "accident" ? Math.min(lanes, severity) : type === "hazard" && severity === 3 ? 1 : 0;
      let reporter: string | undefined;
      let best = Infinity;
      ctx.dispatchXY.forEach((p, i) => {
        const d = (p[0] - xy[0]) ** 2 + (p[1] - xy[1]) ** 2;
        if (d < best) { best = d; reporter = ctx.dispatchIds[i]; }
      });
      out.push({
        id: `inc-${bucket}-${t}-${k}`,
        type, severity, startMs, endMs, segment, xy,
        location: ctx.proj.toLonLat(xy[0], xy[1]),
        lanesBlocked, reporter,
      });
    }
  });
  return out;
}

/** Status of an incident at an instant, or null when it is not visible. */
export function statusAt(plan: IncidentPlan, ms: number): IncidentStatus | null {
  if (ms < plan.startMs) return null;
  if (ms < plan.startMs + REPORTED_MS && ms < plan.endMs) return "reported";
  if (ms < plan.endMs) return "responding";
  if (ms < plan.endMs + RESOLVED_VISIBLE_MS) return "resolved";
  return null;
}

/** Incident plans visible at an instant, sorted by id. */
export function plansAt(ctx: IncidentContext, ms: number): IncidentPlan[] {
  const last = Math.floor(ms / INCIDENT_BUCKET_MS);
  const first = Math.floor((ms - MAX_INCIDENT_MS - RESOLVED_VISIBLE_MS) / INCIDENT_BUCKET_MS);
  const out: IncidentPlan[] = [];
  for (let b = first; b <= last; b++) {
    for (const p of incidentsInBucket(ctx, b)) if (statusAt(p, ms) !== null) out.push(p);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The public view of an incident plan at an instant. */
export function toIncident(ctx: IncidentContext, plan: IncidentPlan, ms: number): Incident {
  const inc: Incident = {
    id: plan.id,
    type: plan.type,
    severity: plan.severity,
    status: statusAt(plan, ms) ?? "resolved",
    segmentId: ctx.segmentIds[plan.segment],
    location: plan.location,
    startedAt: new Date(plan.startMs).toISOString(),
    endedAt: new Date(plan.endMs).toISOString(),
    lanesBlocked: plan.lanesBlocked,
  };
  if (plan.reporter) inc.reporterDeviceId = plan.reporter;
  return inc;
}

/**
 * Congestion (0..1) that active incidents cause at points: accidents by severity, fading to
 * nothing at 1 km; hazards that block a lane at half strength. Points on the incident's own
 * segment get the full effect.
 */
export function congestionImpact(
  plans: readonly IncidentPlan[], ms: number, points: readonly XY[], pointSegment: readonly number[], grid: GridIndex,
): Float64Array {
  const keep = new Float64Array(points.length).fill(1);
  for (const p of plans) {
    const st = statusAt(p, ms);
    if (st !== "reported" && st !== "responding") continue;
    const strength = p.type === "accident" ? [0.55, 0.8, 1][p.severity - 1] : p.type === "hazard" && p.lanesBlocked > 0 ? 0.5 : 0;
    if (strength === 0) continue;
    for (const i of grid.within(p.xy[0], p.xy[1], CONGESTION_RADIUS_M)) {
      const d = Math.hypot(points[i][0] - p.xy[0], points[i][1] - p.xy[1]);
      const a = pointSegment[i] === p.segment ? strength : strength * (1 - d / CONGESTION_RADIUS_M) ** 0.7;
      keep[i] *= 1 - Math.max(0, Math.min(1, a));
    }
  }
  const out = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) out[i] = 1 - keep[i];
  return out;
}
