import { describe, expect, it } from "vitest";
import type { EnergyFeatures, EnergyLatest, LiveReading, SafetyLatest } from "@/lib/api/map-specs";
import { blocksTraffic, patchEnergy, patchIncidents, patchSafety } from "./live-patch";
import { energyFromLatest } from "./layer-values";

const energy: EnergyFeatures = {
  layer: "energy",
  cityKey: "k",
  substations: { ids: ["sub-1"], position: [121, 37], capacityMw: [20], voltageKv: [110] },
  feeders: { ids: ["fdr-1", "fdr-2"], startIndices: [0, 2, 4], path: [121, 37, 121.01, 37, 121, 37, 121, 37.01], meterIds: ["fdm-1", "fdm-2"], substationIds: ["sub-1", "sub-1"], capacityMw: [10, 10] },
  renewables: { ids: ["ren-1"], position: [121.02, 37], meterIds: ["prm-1"], kind: ["solar"], capacityMw: [5] },
  cells: { ids: ["c1", "c2"], position: [121, 37, 121.01, 37], radiusM: 300 },
  access: [],
};
const latest: EnergyLatest = {
  layer: "energy",
  from: "a",
  to: "b",
  feeders: { ids: ["fdr-1"], loadMw: [4], utilisation: [0.4], voltageKv: [11], observedAt: ["t1"], leafIndex: [10] },
  renewables: { ids: [], productionMw: [], capacityFactor: [], observedAt: [], leafIndex: [] },
  substations: { ids: ["sub-1"], loadMw: [4], utilisation: [0.2], feedersReporting: [1] },
  cells: { ids: ["c1"], loadMw: [4] },
  outages: [],
  scoped: [],
  access: [],
};
const reading = (device: string, leafIndex: number, values: Record<string, unknown>, extra: Partial<LiveReading> = {}): LiveReading => ({
  dataset: "energy.load", key: device, device, observedAt: `t${leafIndex}`, leafIndex, location: [121, 37], values, ...extra,
});

describe("live energy patches", () => {
  it("updates feeders, outages, substations and cells in place of a refetch, and adds sites first heard", () => {
    const out = patchEnergy(latest, energy, [
      reading("fdm-1", 11, { meter: "feeder", loadMw: 6, utilisation: 0.6, voltageKv: 11 }, { cellShares: [["c1", 0.5], ["c2", 0.5]] }),
      reading("fdm-2", 12, { meter: "feeder", loadMw: 0, utilisation: 0, voltageKv: 11 }),
      reading("prm-1", 13, { meter: "production", productionMw: 2, capacityFactor: 0.4 }),
    ]);
    expect(out.feeders.ids).toEqual(["fdr-1", "fdr-2"]);
    expect(out.feeders.loadMw).toEqual([6, 0]);
    expect(out.outages).toEqual(["fdr-2"]);
    expect(out.substations).toEqual({ ids: ["sub-1"], loadMw: [6], utilisation: [0.3], feedersReporting: [2] });
    // The feeder's load went from 4 to 6, half on each of its cells.
    expect(Object.fromEntries(out.cells.ids.map((id, k) => [id, out.cells.loadMw[k]]))).toEqual({ c1: 5, c2: 1 });
    expect(out.renewables).toEqual({ ids: ["ren-1"], productionMw: [2], capacityFactor: [0.4], observedAt: ["t13"], leafIndex: [13] });
    expect(latest.feeders.loadMw).toEqual([4]);
    const v = energyFromLatest(energy, out);
    expect([...v.feederUtil].map((x) => Math.round(x * 10) / 10)).toEqual([0.6, 0]);
    expect([...v.feederOut]).toEqual([0, 1]);
  });

  it("ignores readings older than what it shows and withheld fields stay null", () => {
    expect(patchEnergy(latest, energy, [reading("fdm-1", 9, { loadMw: 1 })])).toBe(latest);
    const out = patchEnergy(latest, energy, [reading("fdm-1", 20, { meter: "feeder", utilisation: 0.5 })]);
    expect(out.feeders.loadMw).toEqual([null]);
    expect(out.feeders.utilisation).toEqual([0.5]);
  });
});

describe("live safety patches", () => {
  const safety: SafetyLatest = {
    layer: "safety",
    from: "a",
    to: "b",
    incidents: [],
    cameras: { ids: ["cam-1"], online: [true], alert: ["none"], vehiclesPerMin: [3], pedestriansPerMin: [1], observedAt: ["t"], leafIndex: [1] },
    scoped: [],
    access: [],
  };
  const incident = (leafIndex: number, status: string, lanesBlocked = 1): LiveReading => ({
    dataset: "safety.incidents", key: "inc-9", device: "dsp-1", observedAt: "t", leafIndex, location: [121, 37],
    values: { incidentId: "inc-9", type: "accident", severity: 2, status, startedAt: "s", endedAt: "e", segmentId: "seg", lanesBlocked },
  });

  it("sets camera states and upserts incidents by id", () => {
    const cam = { dataset: "safety.cameras", key: "cam-1", device: "cam-1", observedAt: "t2", leafIndex: 5, location: [121, 37] as [number, number], values: { online: true, alert: "fire", vehiclesPerMin: 4 } };
    const out = patchSafety(safety, [cam], [incident(6, "reported")]);
    expect(out.cameras!.alert).toEqual(["fire"]);
    expect(out.cameras!.pedestriansPerMin).toEqual([null]);
    expect(out.incidents!.map((x) => [x.id, x.status])).toEqual([["inc-9", "reported"]]);
    const later = patchSafety(out, [], [incident(7, "resolved"), incident(3, "reported")]);
    expect(later.incidents!.map((x) => [x.id, x.status, x.leafIndex])).toEqual([["inc-9", "resolved", 7]]);
  });

  it("drops an incident from the traffic layer once it is resolved or blocks no lane", () => {
    const open = patchIncidents([], [incident(6, "responding")], blocksTraffic);
    expect(open.map((x) => x.id)).toEqual(["inc-9"]);
    expect(patchIncidents(open, [incident(7, "resolved")], blocksTraffic)).toEqual([]);
    expect(patchIncidents(open, [incident(8, "responding", 0)], blocksTraffic)).toEqual([]);
  });
});
