import type { CityModel } from "../city/types";
import { getBus, type TrafficUpdate } from "../runtime/bus";
import { trafficIndex } from "../map/traffic-index";
import type { AcceptedReading } from "./store-readings";

/** Readings observed longer ago than this are not announced live (as the map rollup's announcements). */
const LIVE_WITHIN_MS = 10 * 60_000;

/**
 * After each commit, announces the stored traffic readings on the process bus (the live
 * map's server-sent events listen there), whatever transport brought them.
 */
export function trafficAnnouncer(city: CityModel): (stored: AcceptedReading[]) => void {
  const byId = trafficIndex(city).byId;
  return (stored) => {
    const updates: TrafficUpdate[] = [];
    // History (a device's backlog, the simulator's backfill) is not live: it would paint old speeds.
    const recent = Date.now() - LIVE_WITHIN_MS;
    for (const r of stored) {
      if (r.dataset !== "traffic.flow" || Date.parse(r.observedAt) < recent) continue;
      const s = byId.get(r.device);
      const speed = Number(r.values.speedKmh ?? r.values.speed);
      if (!s || !Number.isFinite(speed)) continue;
      updates.push({ device: r.device, segment: s.segment, speed, ratio: Math.round((speed / s.freeFlowKmh) * 1000) / 1000, observedAt: r.observedAt });
    }
    if (updates.length) getBus().emit("traffic", updates);
  };
}
