/**
 * createSimulator: readings of every device of a city as a pure function of (city, seed, time),
 * plus a stateful tick that reports incidents only when they change.
 */
import {
  GridIndex, districtDef, hashInts, hashString, hashUnit, makeProjection, valueNoise1D,
  type Camera, type DatasetId, type Device, type Feeder, type RenewableSite, type XY,
} from "../city";
import { cloudFactor, feederValues, productionValues, solarClearSky } from "./energy-model";
import {
  congestionImpact, createIncidentContext, plansAt, statusAt, toIncident, type IncidentPlan,
} from "./incidents";
import { localTime, type LocalTime } from "./local-time";
import { trafficParams, trafficValues, type TrafficParams, type TrafficValues } from "./traffic-model";
import type { IncidentStatus, ReadingsFilter, SimReading, Simulator, SimulatorOptions } from "./types";

/** Cameras raise an incident alert within this distance. */
const CAMERA_ALERT_RADIUS_M = 300;

/** Creates a simulator for a city. */
export function createSimulator(options: SimulatorOptions): Simulator {
  const { city } = options;
  const seed = String(options.seed ?? city.seed);
  const incidentsOn = options.incidents ?? true;
  const seedHash = hashString("sim/" + seed);
  const weatherSeed = hashInts(seedHash, 11);
  const proj = makeProjection(city.center);
  const offset = city.utcOffsetMinutes;

  const segIndex = new Map(city.network.segments.map((s, i) => [s.id, i]));
  const feeders = new Map<string, [Feeder, number]>(city.energy.feeders.map((f, i) => [f.id, [f, i]]));
  const sites = new Map<string, [RenewableSite, number]>(city.energy.renewables.map((r, i) => [r.id, [r, i]]));

  // Devices that observe traffic (detectors and cameras) share a spatial index for congestion.
  const trafficDevices = city.devices.filter((d) => d.kind === "traffic-sensor" || d.kind === "camera") as (Device & { segmentId: string })[];
  const pointOf = new Map<string, number>(trafficDevices.map((d, i) => [d.id, i]));
  const points: XY[] = trafficDevices.map((d) => proj.toXY(d.location));
  const pointSegment = trafficDevices.map((d) => segIndex.get(d.segmentId) ?? -1);
  const grid = new GridIndex(points, 500);
  const params = new Map<number, TrafficParams>();
  const paramsOf = (k: number): TrafficParams => {
    let p = params.get(k);
    if (!p) {
      const seg = city.network.segments[k];
      p = trafficParams(seg, seedHash, k, districtDef(seg.districtId).urbanity);
      params.set(k, p);
    }
    return p;
  };
  const incidentCtx = createIncidentContext(city, seedHash, proj);

  const lastStatus = new Map<string, IncidentStatus>();

  const wants = (filter: ReadingsFilter | undefined, dataset: DatasetId) => !filter?.datasets || filter.datasets.includes(dataset);

  const cameraValues = (cam: Camera, devIndex: number, traffic: TrafficValues, ms: number, lt: LocalTime, plans: readonly IncidentPlan[], xy: XY) => {
    const online = hashUnit(seedHash, 41, devIndex, Math.floor(ms / 3_600_000)) >= 0.01;
    if (!online) return { online, vehiclesPerMin: 0, pedestriansPerMin: 0, alert: "none" };
    const urbanity = districtDef(cam.districtId).urbanity;
    const activity = lt.hour < 6 || lt.hour >= 23 ? 0.05 : 0.35 + 0.4 * Math.exp(-0.5 * ((lt.hour - 12) / 2) ** 2) + 0.4 * Math.exp(-0.5 * ((lt.hour - 18.5) / 1.5) ** 2);
    const pedestrians = Math.max(0, Math.round(45 * urbanity * activity * (1 + 0.25 * valueNoise1D(hashInts(seedHash, 43, devIndex), ms / 300_000))));
    let alert = "none";
    for (const p of plans) {
      const st = statusAt(p, ms);
      if ((st === "reported" || st === "responding") && (p.type === "accident" || p.type === "fire")
        && Math.hypot(p.xy[0] - xy[0], p.xy[1] - xy[1]) < CAMERA_ALERT_RADIUS_M) {
        alert = p.type;
        break;
      }
    }
    if (alert === "none" && traffic.occupancy > 0.3) alert = "congestion";
    else if (alert === "none" && pedestrians >= 55) alert = "crowd";
    return {
      online,
      vehiclesPerMin: Math.min(300, Math.round(traffic.flowVehH / 120)),
      pedestriansPerMin: Math.min(500, pedestrians),
      alert,
    };
  };

  const compute = (time: Date, filter: ReadingsFilter | undefined, incidentMode: "all" | "changes"): SimReading[] => {
    const ms = time.getTime();
    if (!Number.isFinite(ms)) throw new RangeError("simulator: invalid time");
    const observedAt = time.toISOString();
    const lt = localTime(ms, offset);
    const dayFactor = 0.95 + 0.1 * hashUnit(seedHash, 31, lt.dayNumber);
    const plans = incidentsOn ? plansAt(incidentCtx, ms) : [];
    const needTraffic = wants(filter, "traffic.flow") || wants(filter, "safety.cameras");
    const impact = needTraffic && plans.length > 0 ? congestionImpact(plans, ms, points, pointSegment, grid) : null;
    const sun = solarClearSky(lt.hour, lt.dayOfYear) * cloudFactor(weatherSeed, ms);
    const out: SimReading[] = [];

    const device = filter?.devices;
    city.devices.forEach((d, devIndex) => {
      if (!wants(filter, d.datasetId) || (device && !device(d.id))) return;
      switch (d.kind) {
        case "traffic-sensor": {
          const k = segIndex.get(d.segmentId);
          if (k === undefined) return;
          const i = pointOf.get(d.id)!;
          const v = trafficValues(paramsOf(k), ms, lt, dayFactor, impact ? impact[i] : 0);
          out.push({ device: d.id, dataset: d.datasetId, observedAt, location: d.location, values: { segmentId: d.segmentId, ...v } });
          return;
        }
        case "camera": {
          const k = segIndex.get(d.segmentId);
          if (k === undefined) return;
          const i = pointOf.get(d.id)!;
          const traffic = trafficValues(paramsOf(k), ms, lt, dayFactor, impact ? impact[i] : 0);
          out.push({ device: d.id, dataset: d.datasetId, observedAt, location: d.location, values: cameraValues(d, devIndex, traffic, ms, lt, plans, points[i]) });
          return;
        }
        case "feeder-meter": {
          const entry = feeders.get(d.feederId);
          if (!entry) return;
          const [f, fi] = entry;
          const peakShare = 0.6 + 0.32 * hashUnit(seedHash, 21, fi);
          const v = feederValues(f, peakShare, hashInts(seedHash, 22, fi), ms, lt, sun);
          out.push({ device: d.id, dataset: d.datasetId, observedAt, location: d.location, values: { meter: "feeder", ...v } });
          return;
        }
        case "production-meter": {
          const entry = sites.get(d.siteId);
          if (!entry) return;
          const [site, si] = entry;
          out.push({ device: d.id, dataset: d.datasetId, observedAt, location: d.location, values: productionValues(site, hashInts(seedHash, 23, si), weatherSeed, ms, lt) });
          return;
        }
        case "dispatch-terminal":
          return; // Reports incidents only; see below.
      }
    });

    if (wants(filter, "safety.incidents")) {
      const visible = new Set<string>();
      for (const p of plans) {
        if (!p.reporter) continue;
        const inc = toIncident(incidentCtx, p, ms);
        visible.add(inc.id);
        if (device && !device(p.reporter)) continue;
        if (incidentMode === "changes") {
          if (lastStatus.get(inc.id) === inc.status) continue;
          lastStatus.set(inc.id, inc.status);
        }
        out.push({
          device: p.reporter,
          dataset: "safety.incidents",
          observedAt,
          location: inc.location,
          values: {
            incidentId: inc.id, type: inc.type, severity: inc.severity, status: inc.status,
            startedAt: inc.startedAt, endedAt: inc.endedAt, segmentId: inc.segmentId, lanesBlocked: inc.lanesBlocked,
          },
        });
      }
      if (incidentMode === "changes") for (const id of [...lastStatus.keys()]) if (!visible.has(id)) lastStatus.delete(id);
    }
    return out;
  };

  return {
    city,
    seed,
    readingsAt: (time, filter) => compute(time, filter, "all"),
    incidentsAt: (time) => {
      const ms = time.getTime();
      if (!Number.isFinite(ms)) throw new RangeError("simulator: invalid time");
      return incidentsOn ? plansAt(incidentCtx, ms).map((p) => toIncident(incidentCtx, p, ms)) : [];
    },
    tick: (now, filter) => compute(now, filter, "changes"),
  };
}
