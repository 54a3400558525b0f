import { describe, expect, it } from "vitest";
import type { ReadBasis } from "../check-read";
import { bucketWindowConditions, rollupColumn, windowState, withheldFields } from "./map-basis";
import { groupCells } from "./map-latest";
import { scopeMapUpdates } from "./map-live";

const basis = (over: Partial<ReadBasis>): ReadBasis => ({
  datasetId: "safety.cameras", ownerDepartmentId: "safety", basis: "grant", scope: "raw", fields: null,
  window: { from: null, until: null }, area: null, grantId: "g-1", ...over,
});

describe("map scope helpers", () => {
  it("places a moment against the data window", () => {
    const b = basis({ window: { from: "2026-01-01T10:00:00.000Z", until: "2026-01-01T12:00:00.000Z" } });
    expect(windowState(b, new Date("2026-01-01T09:59:59Z"))).toBe("before");
    expect(windowState(b, new Date("2026-01-01T10:00:00Z"))).toBe("inside");
    expect(windowState(b, new Date("2026-01-01T12:00:00Z"))).toBe("after");
    const params: unknown[] = [];
    expect(bucketWindowConditions(b, params)).toEqual(["bucket >= $1::timestamptz", "bucket + interval '300 seconds' <= $2::timestamptz"]);
  });

  it("reads a rollup column only when every field it comes from is granted", () => {
    expect(rollupColumn(basis({}), "vehicles_per_min_sum")).toBe("vehicles_per_min_sum");
    expect(rollupColumn(basis({ fields: ["online", "alert"] }), "vehicles_per_min_sum")).toBe("NULL::float8");
    expect(rollupColumn(basis({ fields: ["online", "alert"] }), "worst_state")).toBe("worst_state");
    expect(rollupColumn(basis({ fields: ["online"] }), "worst_state")).toBe("NULL::float8");
    // A column of another dataset is never read under this basis.
    expect(rollupColumn(basis({}), "load_mw_sum")).toBe("NULL::float8");
    const energy = basis({ datasetId: "energy.load", fields: ["meter", "loadMw"] });
    expect(rollupColumn(energy, "load_mw_sum", "b")).toBe("b.load_mw_sum");
    expect(rollupColumn(energy, "production_mw_sum")).toBe("NULL::float8");
    expect(rollupColumn(energy, "utilisation_sum")).toBe("NULL::float8");
    expect(withheldFields(basis({ fields: ["online", "alert"] }))).toEqual(["vehiclesPerMin", "pedestriansPerMin"]);
    expect(withheldFields(basis({ datasetId: "safety.incidents", scope: "anonymized" }))).toEqual(["incidentId", "segmentId"]);
  });

  it("aggregates only over k distinct devices and suppresses smaller groups without a value or count", () => {
    const rows = [
      ...Array.from({ length: 5 }, (_, i) => ({ device: `cam-${i}`, lon: 121.4, lat: 37.5, payload: { vehiclesPerMin: 10 + i } })),
      ...Array.from({ length: 4 }, (_, i) => ({ device: `cam-x${i}`, lon: 121.5, lat: 37.5, payload: { vehiclesPerMin: 99 } })),
    ];
    const cells = groupCells(basis({ scope: "aggregated" }), rows, {
      k: 5, fields: [{ key: "vehiclesPerMin", unit: "veh/min", bool: false }], shape: "hex", sizeM: 1000,
      cellOf: (p) => ({ id: String(p[0]), position: p }),
    });
    expect(cells.ids).toEqual(["121.4", "121.5"]);
    expect(cells.devices).toEqual([5, null]);
    expect(cells.suppressed).toEqual([false, true]);
    expect(cells.fields[0].values).toEqual([12, null]);
    expect(cells.k).toBe(5);
  });

  it("re-coarsens anonymized means to the anonymization step", () => {
    const rows = [10, 20, 20].map((v, i) => ({ device: String(i), lon: 121.45, lat: 37.46, payload: { vehiclesPerMin: v } }));
    const cells = groupCells(basis({ scope: "anonymized" }), rows, {
      k: 5, fields: [{ key: "vehiclesPerMin", unit: "veh/min", bool: false }], shape: "grid", sizeM: 1105,
      cellOf: (p) => ({ id: "g", position: p }),
    });
    expect(cells.fields[0].values).toEqual([20]);
    expect(cells.suppressed).toEqual([false]);
    expect(cells.k).toBeNull();
  });

  it("lets live updates through only inside the window, with granted fields, and none for non-raw scopes", () => {
    const u = { dataset: "safety.cameras", key: "cam-1", device: "cam-1", observedAt: "2026-01-01T11:00:00.000Z", leafIndex: 1, location: [121.4, 37.5] as [number, number], values: { online: true, alert: "none", vehiclesPerMin: 3 } };
    const b = basis({ fields: ["online", "alert"], window: { from: "2026-01-01T10:00:00.000Z", until: "2026-01-01T12:00:00.000Z" } });
    expect(scopeMapUpdates(b, [u])).toEqual([{ ...u, values: { online: true, alert: "none" } }]);
    expect(scopeMapUpdates(b, [{ ...u, observedAt: "2026-01-01T12:00:00.000Z" }])).toEqual([]);
    expect(scopeMapUpdates(basis({ scope: "aggregated" }), [u])).toEqual([]);
    expect(scopeMapUpdates(basis({ area: { center: [121.0, 37.0], radiusM: 2000 } }), [u])).toEqual([]);
  });
});
