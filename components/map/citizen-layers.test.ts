import { describe, expect, it } from "vitest";
import type { CitizenLatest, CitizenReportSpan } from "@/lib/api/map-specs";
import { citizenAt, citizenColor, citizenFromLatest, citizenLayers, citizenPick, CITIZEN_GLYPH_ZOOM, reportAge, reportFeatureId } from "./citizen-layers";
import { buildSearchItems, searchItems } from "./search-index";
import { cellsFromLatest, layerOfDataset } from "./scoped-layers";

const H = 3_600_000;
const T0 = Date.parse("2026-12-01T08:00:00.000Z");
const span = (id: string, code: string, confirmedH: number, closedH: number | null): CitizenReportSpan => ({
  id, serviceCode: code, department: "traffic", position: [121.501, 31.2], createdAt: new Date(T0 + (confirmedH - 1) * H).toISOString(),
  confirmedAt: new Date(T0 + confirmedH * H).toISOString(), leafIndex: 10, closedAt: closedH === null ? null : T0 + closedH * H,
});

describe("citizen-reports layer values", () => {
  it("replays the reports standing confirmed at a moment: from confirmation until closed", () => {
    const spans = [span("a", "pothole", 1, 5), span("b", "noise", 3, null), span("c", "litter", 6, null)];
    expect(citizenAt(spans, T0).reports.map((r) => r.id)).toEqual([]);
    expect(citizenAt(spans, T0 + 1 * H).reports.map((r) => r.id)).toEqual(["a"]);
    expect(citizenAt(spans, T0 + 4 * H).reports.map((r) => r.id)).toEqual(["a", "b"]);
    // Closed at 5 h: gone from then on.
    expect(citizenAt(spans, T0 + 5 * H).reports.map((r) => r.id)).toEqual(["b"]);
    expect(citizenAt(spans, T0 + 7 * H)).toMatchObject({ count: 2, at: T0 + 7 * H });
  });
  it("takes the live answer's reports, none while the dataset is held aggregated", () => {
    const base = { layer: "citizen" as const, from: "x", to: "y", scoped: [], access: [] };
    const { closedAt: _c, ...r } = span("a", "pothole", 1, null);
    expect(citizenFromLatest({ ...base, reports: [r] } satisfies CitizenLatest, T0)).toEqual({ reports: [r], at: T0, count: 1 });
    expect(citizenFromLatest({ ...base, reports: null }, T0)).toEqual({ reports: [], at: T0, count: 0 });
  });
  it("tells the age since confirmation apart: under a day, up to a week, older", () => {
    const c = new Date(T0).toISOString();
    expect(reportAge(c, T0 + 23 * H)).toBe("new");
    expect(reportAge(c, T0 + 25 * H)).toBe("week");
    expect(reportAge(c, T0 + 8 * 24 * H)).toBe("older");
  });
});

describe("citizen-reports deck layers", () => {
  const v = { reports: [span("a", "pothole", 0, null), span("b", "noise", -200, null)], at: T0 + H, count: 2 };
  const glyphs = { pothole: "坑", noise: "噪", other: "其" };
  it("draws a marker per report by category, outlined by age, with its glyph from street zoom", () => {
    const [markers, text] = citizenLayers(v, { visible: true, zoom: CITIZEN_GLYPH_ZOOM, selectedId: reportFeatureId("b") }, glyphs);
    expect(markers.id).toBe("citizen-reports");
    const p = markers.props as unknown as { data: unknown[]; getFillColor: (d: unknown) => number[]; getLineColor: (d: unknown) => number[]; highlightedObjectIndex: number | null };
    expect(p.data).toHaveLength(2);
    // A new pothole: full colour, white ring; a noise report confirmed 200 h before: faded, its own colour as ring.
    expect(p.getFillColor(v.reports[0])).toEqual([...citizenColor("pothole"), 255]);
    expect(p.getLineColor(v.reports[0])).toEqual([255, 255, 255, 255]);
    expect(p.getFillColor(v.reports[1])).toEqual([...citizenColor("noise"), 110]);
    expect(p.getLineColor(v.reports[1])).toEqual([...citizenColor("noise"), 255]);
    expect(p.highlightedObjectIndex).toBe(1);
    expect(text.props.visible).toBe(true);
    expect((text.props as unknown as { data: { text: string }[] }).data.map((d) => d.text)).toEqual(["坑", "噪"]);
    const [, far] = citizenLayers(v, { visible: true, zoom: CITIZEN_GLYPH_ZOOM - 1 }, glyphs);
    expect(far.props.visible).toBe(false);
    const [off] = citizenLayers(null, { visible: false, zoom: 12 }, glyphs);
    expect(off.props.visible).toBe(false);
  });
  it("picks a report as its feature id", () => {
    expect(citizenPick("citizen-reports", v.reports[0])).toBe("citizen-a");
    expect(citizenPick("citizen-glyphs", v.reports[0])).toBeNull();
  });
  it("finds a report by its id in the search, opening it in the panel", () => {
    const id = "3f2b9c1e-0000-4000-8000-000000000001";
    const items = buildSearchItems({ reports: [{ ...span(id, "pothole", 0, null), closedAt: undefined } as never] }, "zh-CN", { "report.pothole": "路面坑洼" });
    const [hit] = searchItems(items, "3f2b9c1e");
    expect(hit).toMatchObject({ kind: "report", label: "3f2b9c1e", sub: "路面坑洼", featureId: `citizen-${id}`, position: [121.501, 31.2] });
  });
  it("draws aggregated report counts as cells of the citizen layer", () => {
    expect(layerOfDataset("reports.citizen")).toBe("citizen");
    const [c] = cellsFromLatest([{ datasetId: "reports.citizen", scope: "aggregated", shape: "hex", sizeM: 900, k: 5, ids: ["h:1", "h:2"], position: [121, 31, 121.01, 31], devices: [6, null], suppressed: [false, true], fields: [{ key: "reports", unit: "1", values: [6, null] }] }]);
    expect(c).toMatchObject({ layer: "citizen", field: "reports", value: [6, null], suppressed: [false, true] });
  });
});
