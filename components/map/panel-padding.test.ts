import { describe, expect, it } from "vitest";
import { paddingFor } from "./panel-padding";

// The console's map at 1400×820 (below the header) with its panels as drawn.
const MAP = { left: 0, top: 80, right: 1400, bottom: 900 };
const leftColumn = { left: 12, top: 92, right: 260, bottom: 400 };
const legend = { left: 12, top: 600, right: 260, bottom: 828 };
const kpis = { left: 272, top: 92, right: 1344, bottom: 170 };
const slider = { left: 380, top: 836, right: 1140, bottom: 876 };
const tools = { left: 1180, top: 830, right: 1388, bottom: 860 };

describe("padding clear of the panels", () => {
  it("keeps the largest part of the map no panel covers: right of the left column, below the KPIs, above the slider", () => {
    const p = paddingFor(MAP, [leftColumn, legend, kpis, slider, tools], 0);
    expect(p).toEqual({ left: 260, top: 90, bottom: 70, right: 0 });
  });

  it("a column of short panels down the left pads the left, not the top and bottom", () => {
    const status = { left: 12, top: 92, right: 260, bottom: 150 };
    const layers = { left: 12, top: 158, right: 260, bottom: 300 };
    const shortLegend = { left: 12, top: 700, right: 260, bottom: 828 };
    const p = paddingFor(MAP, [status, layers, shortLegend, kpis, slider], 0);
    expect(p.left).toBe(260);
    expect(p.top).toBe(90);
    expect(p.bottom).toBe(64);
  });

  it("a feature panel on the right pads the right; panels outside the map take no room", () => {
    const panel = { left: 984, top: 200, right: 1344, bottom: 800 };
    const outside = { left: 0, top: 0, right: 1400, bottom: 60 };
    const p = paddingFor(MAP, [legend, panel, outside], 10);
    expect(p).toEqual({ left: 270, right: 426, top: 10, bottom: 10 });
  });

  it("leaves at least minClear pixels when the panels leave a sliver, and only the margin when they cover everything", () => {
    const m = { left: 0, top: 0, right: 400, bottom: 300 };
    const p = paddingFor(m, [{ left: 0, top: 0, right: 200, bottom: 300 }, { left: 260, top: 0, right: 400, bottom: 300 }], 0, 120);
    expect(400 - p.left - p.right).toBeGreaterThanOrEqual(120);
    expect(p.left).toBeGreaterThan(p.right);
    expect(paddingFor(m, [{ left: 0, top: 0, right: 400, bottom: 300 }], 8)).toEqual({ top: 8, right: 8, bottom: 8, left: 8 });
  });

  it("refuses a map without a size", () => {
    expect(() => paddingFor({ left: 0, top: 0, right: 0, bottom: 10 }, [])).toThrow("paddingFor: map of 0×10 px, want a positive size");
  });
});
