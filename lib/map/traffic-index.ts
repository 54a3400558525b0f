import type { CityModel, LonLat, TrafficSensor } from "../city/types";
import { processShared } from "../process-shared";

export type SensorGeo = { id: string; segment: string; freeFlowKmh: number; position: LonLat; path: LonLat[] };

const cache = processShared("traffic-index", () => new WeakMap<CityModel, { list: SensorGeo[]; byId: Map<string, SensorGeo> }>());

/** Traffic sensors of the city with their segments' geometry and free-flow speed, built once per city. */
export function trafficIndex(city: CityModel) {
  let idx = cache.get(city);
  if (!idx) {
    const segments = new Map(city.network.segments.map((s) => [s.id, s]));
    const list: SensorGeo[] = [];
    for (const d of city.devices) {
      if (d.kind !== "traffic-sensor") continue;
      const s = segments.get((d as TrafficSensor).segmentId);
      if (!s) continue;
      list.push({ id: d.id, segment: s.id, freeFlowKmh: s.freeFlowKmh, position: d.location, path: s.geometry });
    }
    idx = { list, byId: new Map(list.map((x) => [x.id, x])) };
    cache.set(city, idx);
  }
  return idx;
}

export function inBbox(p: LonLat, bbox?: [number, number, number, number]): boolean {
  if (!bbox) return true;
  return p[0] >= bbox[0] && p[0] <= bbox[2] && p[1] >= bbox[1] && p[1] <= bbox[3];
}
