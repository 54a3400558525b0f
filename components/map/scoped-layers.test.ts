import { describe, expect, it } from "vitest";
import type { AccessNote } from "@/lib/api/map-specs";
import { q8 } from "@/lib/map/q8";
import { en, zh } from "@/lib/i18n/messages";
import { areasOf, cellColors, cellCount, cellsFromFrames, cellsFromLatest, circlePath, scopedLayers, SUPPRESSED_FILL } from "./scoped-layers";
import { basisText } from "./access-text";
import { GRADE_COLORS, loadColor, trafficColor } from "./palettes";

const cells = {
  datasetId: "safety.cameras", scope: "aggregated" as const, shape: "hex" as const, sizeM: 1000, k: 5,
  ids: ["h:1", "h:2", "h:3"], position: [121.4, 37.5, 121.41, 37.5, 121.42, 37.5], devices: [6, null, 5], suppressed: [false, true, false],
  fields: [{ key: "online", unit: "share", values: [1, null, 0.5] }, { key: "vehiclesPerMin", unit: "veh/min", values: [20, null, 10] }],
};

describe("scoped cells", () => {
  it("colours cells by the display field, suppressed ones grey and never with a value", () => {
    const [c] = cellsFromLatest([cells]);
    expect(c.layer).toBe("safety");
    expect(c.field).toBe("vehiclesPerMin");
    expect(c.value).toEqual([20, null, 10]);
    const colors = cellColors(c);
    expect(colors[1]).toEqual(SUPPRESSED_FILL);
    expect(colors[0][3]).toBeGreaterThan(0);
    expect(cellCount([c], "safety")).toBe(3);
    expect(cellCount([c], "traffic")).toBe(0);
    const layers = scopedLayers([c], [], (l) => l === "safety");
    expect(layers.map((l) => l.id)).toEqual(["scoped-cells-safety.cameras"]);
    expect(layers[0].props.visible).toBe(true);
  });

  it("colours traffic cells by grade and load cells on the load ramp, as their raw layers are", () => {
    const speed = {
      datasetId: "traffic.flow", scope: "aggregated" as const, shape: "hex" as const, sizeM: 1000, k: 5,
      ids: ["h:1", "h:2"], position: [121.4, 37.5, 121.41, 37.5], devices: [6, 7], suppressed: [false, false],
      fields: [{ key: "speedKmh", unit: "km/h", values: [55, 12] }],
    };
    const [c] = cellsFromLatest([speed]);
    const colors = cellColors(c);
    expect(colors[0]).toEqual(trafficColor(55, "arterial", 190));
    expect(colors[1]).toEqual(trafficColor(12, "arterial", 190));
    expect(colors[1].slice(0, 3)).toEqual(GRADE_COLORS.severe);
    const load = { ...speed, datasetId: "energy.load", fields: [{ key: "utilisation", unit: "share", values: [0.2, 1.1] }] };
    expect(cellColors(cellsFromLatest([load])[0])).toEqual([loadColor(0.2, 190), loadColor(1.1, 190)]);
  });

  it("replays a bucket of cell frames", () => {
    const frames = [{ ...cells, field: { key: "vehiclesPerMin", unit: "veh/min" }, q: q8([20, 0, 10, 30, 0, 0], 1), state: q8([2, 1, 2, 2, 0, 0], 1) }];
    const [b1] = cellsFromFrames(frames, 1);
    expect(b1.value).toEqual([30, null, null]);
    expect(b1.suppressed).toEqual([false, false, false]);
    const [b0] = cellsFromFrames(frames, 0);
    expect(b0.suppressed).toEqual([false, true, false]);
    expect(b0.value[1]).toBeNull();
  });

  it("outlines a grant's area as a closed circle of its radius", () => {
    const p = circlePath([121.45, 37.46], 2000);
    expect(p[0]).toEqual(p[p.length - 1]);
    const dy = (Math.max(...p.map((x) => x[1])) - 37.46) * 110_540;
    expect(dy).toBeCloseTo(2000, 0);
    const notes: AccessNote[] = [{ datasetId: "safety.cameras", allowed: true, basis: "grant", area: { center: [121.45, 37.46], radiusM: 2000 } }];
    expect(areasOf(notes).map((a) => a.layer)).toEqual(["safety"]);
  });

  it("says what is drawn under each grant, in both languages", () => {
    const t = (m: Record<string, string>) => (k: keyof typeof en) => m[k];
    const raw: AccessNote = {
      datasetId: "safety.cameras", allowed: true, basis: "grant", level: "raw", grantId: "g-7", incident: "inc-42",
      area: { center: [121.45, 37.46], radiusM: 2000 }, validUntil: "2026-01-01T14:05:00.000Z",
    };
    const enText = basisText(raw, t(en), "en")!;
    expect(enText).toMatch(/raw within 2 km of incident inc-42 until \d\d:\d\d \(grant g-7\)/);
    expect(basisText(raw, t(zh), "zh-CN")).toMatch(/事件 inc-42 周边 2 公里内的原始数据，至 \d\d:\d\d（授权 g-7）/);
    const agg: AccessNote = { datasetId: "safety.incidents", allowed: true, basis: "grant", level: "aggregated", k: 5, grantId: "g-8" };
    expect(basisText(agg, t(en), "en")).toContain("aggregated by hexagon, k ≥ 5 (grant g-8)");
    expect(basisText(agg, t(en), "en")).not.toMatch(/consumption|grid load/i);
    expect(basisText({ datasetId: "traffic.flow", allowed: true, basis: "ownership" }, t(en), "en")).toBeNull();
  });
});
