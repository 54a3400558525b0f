import { describe, expect, it } from "vitest";
import { GRADES } from "@/lib/map/traffic-grade";
import { GRADE_COLORS, gradeColor, hsv, looksLikeGrade, NO_DATA_COLOR, trafficColor } from "./traffic-colors";

describe("traffic grade colours", () => {
  it("colours a segment by the grade of its speed on its road class", () => {
    expect(trafficColor(70, "expressway")).toEqual([...GRADE_COLORS.smooth, 235]);
    expect(trafficColor(65, "expressway")).toEqual([...GRADE_COLORS.basic, 235]);
    expect(trafficColor(30, "arterial")).toEqual([...GRADE_COLORS.light, 235]);
    expect(trafficColor(15, "arterial")).toEqual([...GRADE_COLORS.severe, 235]);
    expect(trafficColor(12, "local")).toEqual([...GRADE_COLORS.moderate, 235]);
  });
  it("gives the no-data grey for missing values, and the grey is neutral", () => {
    expect(trafficColor(null, "arterial")).toEqual(NO_DATA_COLOR);
    expect(trafficColor(Number.NaN, "arterial")).toEqual(NO_DATA_COLOR);
    expect(gradeColor(null)).toEqual(NO_DATA_COLOR);
    expect(hsv(NO_DATA_COLOR).s).toBe(0);
    expect(looksLikeGrade(NO_DATA_COLOR)).toBe(false);
  });
  it("has five distinct colours, each inside the congestion hue ranges, stepping in lightness", () => {
    const cs = GRADES.map((g) => GRADE_COLORS[g]);
    expect(new Set(cs.map((c) => c.join())).size).toBe(5);
    for (const c of cs) expect(looksLikeGrade(c)).toBe(true);
    // Lightness steps keep neighbouring grades apart for colour-blind viewers (light → moderate → severe darker each time).
    const lum = (c: readonly number[]) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    expect(lum(GRADE_COLORS.basic)).toBeGreaterThan(lum(GRADE_COLORS.smooth) + 30);
    expect(lum(GRADE_COLORS.light)).toBeGreaterThan(lum(GRADE_COLORS.moderate) + 30);
    expect(lum(GRADE_COLORS.moderate)).toBeGreaterThan(lum(GRADE_COLORS.severe) + 30);
  });
  it("does not take greys, whites or the pale sea for a grade", () => {
    for (const c of [[255, 255, 255], [220, 220, 220], [90, 90, 90], [170, 211, 223], [242, 239, 233]]) expect([c, looksLikeGrade(c)]).toEqual([c, false]);
  });
});
