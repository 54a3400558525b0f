import type { Device } from "../../lib/city/types";
import type { Envelope } from "../../lib/ingest/envelope";

/** The values of bench:ingest's readings by device kind (so that benches of the storage store rows of the same sizes). */
export function valuesFor(d: Device, i: number): Envelope["values"] {
  switch (d.datasetId) {
    case "traffic.flow":
      return { segmentId: (d as { segmentId: string }).segmentId, speedKmh: 20 + (i % 80), flowVehH: 100 + (i % 1000), occupancy: (i % 90) / 100 };
    case "energy.load":
      return d.kind === "feeder-meter" ? { meter: "feeder", loadMw: (i % 30) + 0.5, utilisation: (i % 100) / 100, voltageKv: 10.2 } : { meter: "production", source: "solar", productionMw: i % 50, capacityFactor: (i % 100) / 100 };
    case "safety.cameras":
      return { online: true, vehiclesPerMin: i % 100, pedestriansPerMin: i % 50, alert: "none" };
    default:
      return { incidentId: `inc-${i}`, type: "accident", severity: 1 + (i % 3), status: "reported", startedAt: "2026-05-01T00:00:00.000Z", endedAt: "2026-05-01T01:00:00.000Z", segmentId: "s", lanesBlocked: 1 };
  }
}
