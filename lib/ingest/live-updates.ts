import type { CityModel } from "../city/types";
import { getBus, type TrafficUpdate } from "../runtime/bus";
import { trafficIndex } from "../map/traffic-index";
import type { AcceptedReading } from "./store-readings";

/**
 * After each commit, announces the stored traffic readings on the process bus (the live
 * map's server-sent events listen there), whatever transport brought them.
 */
export function trafficAnnouncer(city: CityModel): (stored: AcceptedReading[]) => void {
  const byId = trafficIndex(city).byId;
  return (stored) => {
    const updates: TrafficUpdate[] = [];
    for (const r of stored) {
      if (r.dataset !== "traffic.flow") continue;
      const s = byId.get(r.device);
      const speed = Number(r.values.speedKmh ?? r.values.speed);
      if (!s || !Number.isFinite(speed)) continue;
      updates.push({ device: r.device, segment: s.segment, speed, ratio: Math.round((speed / s.freeFlowKmh) * 1000) / 1000, observedAt: r.observedAt });
    }
    if (updates.length) getBus().emit("traffic", updates);
  };
}
