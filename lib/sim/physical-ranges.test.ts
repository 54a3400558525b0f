import { describe, expect, it } from "vitest";
import { DATASETS, generateCity } from "../city";
import { PHYSICAL_RANGES, checkPhysicalRanges, createDeviceLimitCheck } from "./physical-ranges";

describe("PHYSICAL_RANGES", () => {
  it("covers every dataset and bounds every number", () => {
    for (const d of DATASETS) {
      const ranges = PHYSICAL_RANGES[d.id];
      expect(Object.keys(ranges).sort()).toEqual(Object.keys(d.schema.fields).sort());
      for (const r of Object.values(ranges)) {
        if (r.type === "number") {
          expect(Number.isFinite(r.min)).toBe(true);
          expect(Number.isFinite(r.max)).toBe(true);
          expect(r.max).toBeGreaterThan(r.min);
        }
      }
    }
  });
});

describe("checkPhysicalRanges", () => {
  it("accepts valid values", () => {
    expect(checkPhysicalRanges("traffic.flow", { segmentId: "seg-000001", speedKmh: 42.5, flowVehH: 1200, occupancy: 0.12 })).toEqual([]);
    expect(checkPhysicalRanges("safety.incidents", {
      incidentId: "inc-1", type: "accident", severity: 2, status: "responding",
      startedAt: "2026-06-15T00:30:00.000Z", endedAt: "2026-06-15T01:30:00.000Z", segmentId: "seg-000001", lanesBlocked: 1,
    })).toEqual([]);
  });

  it("names each problem", () => {
    const problems = checkPhysicalRanges("traffic.flow", { segmentId: "s", speedKmh: -3, flowVehH: 12.5, occupancy: 1.5, colour: "red" });
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^speedKmh: -3 outside/),
      expect.stringMatching(/^flowVehH: 12.5 is not an integer/),
      expect.stringMatching(/^occupancy: 1.5 outside/),
      expect.stringMatching(/^colour: not a field/),
    ]));
    expect(checkPhysicalRanges("traffic.flow", { speedKmh: "fast" as unknown as number, flowVehH: 1 })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^segmentId: missing/), expect.stringMatching(/^speedKmh: expected a finite number/)]),
    );
    expect(checkPhysicalRanges("safety.cameras", { online: "yes", vehiclesPerMin: 1, pedestriansPerMin: 1, alert: "aliens" })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^online: expected a boolean/), expect.stringMatching(/^alert: "aliens" is not one of/)]),
    );
    expect(checkPhysicalRanges("safety.incidents", {
      incidentId: "i", type: "accident", severity: 4, status: "reported", startedAt: "yesterday",
      endedAt: "2026-06-15T01:30:00Z", segmentId: "s", lanesBlocked: 0,
    })).toEqual(expect.arrayContaining([expect.stringMatching(/^severity: 4 outside/), expect.stringMatching(/^startedAt: .* not an ISO 8601 instant/)]));
  });
});

describe("createDeviceLimitCheck", () => {
  it("applies each device's own limits", () => {
    const city = generateCity({ size: 0.3, seed: "limits" });
    const check = createDeviceLimitCheck(city);
    const sensor = city.devices.find((d) => d.kind === "traffic-sensor");
    if (sensor?.kind !== "traffic-sensor") throw new Error("no sensor");
    const seg = city.network.segments.find((s) => s.id === sensor.segmentId)!;
    expect(check({ device: sensor.id, values: { speedKmh: seg.freeFlowKmh, flowVehH: seg.capacityVehH } })).toEqual([]);
    expect(check({ device: sensor.id, values: { speedKmh: seg.freeFlowKmh + 1, flowVehH: 2 * seg.capacityVehH } })).toHaveLength(2);
    expect(check({ device: "trf-999999", values: {} })).toEqual(["unknown device trf-999999"]);
  });
});
