import { describe, expect, it } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { GRADE_THRESHOLDS, GRADES, gradeOfIndex, gradeOfSpeed, indexBreaks, segmentIndex, segmentIndexSql, weightedIndex } from "./traffic-grade";
import type { RoadClass } from "../city/types";

const CLASSES: RoadClass[] = ["expressway", "arterial", "collector", "local"];

describe("gradeOfSpeed", () => {
  it("grades expressways as DB11/T 785 does: above 65 畅通, 50–65 基本畅通, 35–50 轻度, 20–35 中度, 20 or less 严重", () => {
    const cases: [number, string][] = [
      [100, "smooth"], [65.01, "smooth"], [65, "basic"], [50.01, "basic"], [50, "light"], [35.01, "light"],
      [35, "moderate"], [20.01, "moderate"], [20, "severe"], [0, "severe"],
    ];
    for (const [v, g] of cases) expect([v, gradeOfSpeed(v, "expressway")]).toEqual([v, g]);
  });
  it("uses 40/30/20/15 on arterials and 35/25/15/10 on collectors and local streets", () => {
    expect(["arterial", "collector", "local"].map((c) => GRADE_THRESHOLDS[c as RoadClass])).toEqual([[40, 30, 20, 15], [35, 25, 15, 10], [35, 25, 15, 10]]);
    for (const c of CLASSES) {
      const t = GRADE_THRESHOLDS[c];
      t.forEach((x, g) => {
        expect([c, x + 0.001, gradeOfSpeed(x + 0.001, c)]).toEqual([c, x + 0.001, GRADES[g]]);
        expect([c, x, gradeOfSpeed(x, c)]).toEqual([c, x, GRADES[g + 1]]);
      });
    }
  });
  it("gives no grade without a speed", () => {
    expect(gradeOfSpeed(null, "arterial")).toBeNull();
    expect(gradeOfSpeed(Number.NaN, "arterial")).toBeNull();
  });
});

describe("segmentIndex", () => {
  it("maps each threshold onto the edge of an index band (expressway 80→0, 65→2, 50→4, 35→6, 20→8, 0→10)", () => {
    expect([80, 65, 50, 35, 20, 0].map((v) => segmentIndex(v, "expressway"))).toEqual([0, 2, 4, 6, 8, 10]);
    expect(segmentIndex(120, "expressway")).toBe(0);
    expect(segmentIndex(-5, "expressway")).toBe(10);
    expect(segmentIndex(57.5, "expressway")).toBeCloseTo(3, 10);
    expect(segmentIndex(10, "local")).toBe(8);
    expect(segmentIndex(5, "local")).toBe(9);
    expect(segmentIndex(45, "collector")).toBe(0);
    expect(segmentIndex(50, "arterial")).toBe(0);
  });
  it("falls with speed and agrees with the speed's grade at every speed, boundaries included", () => {
    for (const c of CLASSES) {
      let prev = Infinity;
      for (let v = 0; v <= 110; v += 0.25) {
        const i = segmentIndex(v, c)!;
        expect(i).toBeGreaterThanOrEqual(0);
        expect(i).toBeLessThanOrEqual(10);
        expect(i).toBeLessThanOrEqual(prev);
        prev = i;
        if (gradeOfIndex(i) !== gradeOfSpeed(v, c)) expect([c, v, i, gradeOfIndex(i)]).toEqual([c, v, i, gradeOfSpeed(v, c)]);
      }
    }
  });
  it("is continuous across the thresholds", () => {
    for (const c of CLASSES) {
      for (const x of indexBreaks(c).slice(1, 5)) {
        expect(Math.abs(segmentIndex(x + 1e-6, c)! - segmentIndex(x, c)!)).toBeLessThan(1e-4);
      }
    }
  });
  it("is null without a speed", () => {
    expect(segmentIndex(undefined, "arterial")).toBeNull();
    expect(segmentIndex(Number.POSITIVE_INFINITY, "arterial")).toBeNull();
  });
});

describe("gradeOfIndex", () => {
  it("reads the bands [0,2) 畅通 … [8,10] 严重", () => {
    expect([0, 1.99, 2, 3.99, 4, 6, 7.99, 8, 10, 11].map(gradeOfIndex)).toEqual(
      ["smooth", "smooth", "basic", "basic", "light", "moderate", "moderate", "severe", "severe", "severe"],
    );
    expect(gradeOfIndex(null)).toBeNull();
  });
});

describe("segmentIndexSql", () => {
  it("computes in SQL the same index as segmentIndex, for every class", async () => {
    const db = new PGlite();
    try {
      const speeds = [0, 3, 10, 14.9, 15, 20, 27, 35, 40, 44, 45, 50, 64, 65, 66, 80, 95, -2];
      const rows = CLASSES.flatMap((c, code) => speeds.map((v) => ({ c, code, v })));
      const res = await db.query<{ i: number | null }>(
        `SELECT ${segmentIndexSql("v", "c")} AS i FROM unnest($1::float8[], $2::int[]) WITH ORDINALITY AS x(v, c, k) ORDER BY k`,
        [rows.map((r) => r.v), rows.map((r) => r.code)],
      );
      const bad = rows.filter((r, k) => Math.abs(Number(res.rows[k].i) - segmentIndex(r.v, r.c)!) > 1e-9);
      expect(bad).toEqual([]);
      const [nul] = (await db.query<{ i: number | null }>(`SELECT ${segmentIndexSql("NULL::float8", "0")} AS i`)).rows;
      expect(nul.i).toBeNull();
    } finally {
      await db.close();
    }
  });
});

describe("weightedIndex", () => {
  it("weights segment indices by length and leaves out segments without a value", () => {
    expect(weightedIndex([{ index: 2, weight: 300 }, { index: 8, weight: 100 }, { index: null, weight: 1000 }])).toBe(3.5);
    expect(weightedIndex([{ index: 5, weight: 0 }])).toBeNull();
    expect(weightedIndex([])).toBeNull();
  });
});
