import { describe, expect, it } from "vitest";
import { cellCoords, cellId, hexGrid } from "./hex-grid";
import { haversineM } from "../city";

describe("hexGrid", () => {
  const g = hexGrid([121.45, 37.46], 450);
  it("puts every point in the cell whose centre is nearest, within the radius", () => {
    for (let i = 0; i < 500; i++) {
      const p: [number, number] = [121.4 + (i % 25) * 0.004 + 0.0007 * i, 37.42 + Math.floor(i / 25) * 0.004];
      const { q, r } = g.cellOf(p);
      const c = g.centerOf(q, r);
      const d = haversineM(p, c);
      expect(d).toBeLessThanOrEqual(451);
      for (const [dq, dr] of [[1, 0], [-1, 0], [0, 1], [0, -1], [1, -1], [-1, 1]]) {
        expect(haversineM(p, g.centerOf(q + dq, r + dr))).toBeGreaterThanOrEqual(d - 0.5);
      }
    }
  });
  it("maps a cell's centre back to the cell, and packs cells in one integer", () => {
    for (const [q, r] of [[0, 0], [3, -7], [-12, 5], [100, -100]]) {
      expect(g.cellOf(g.centerOf(q, r))).toEqual({ q, r });
      expect(cellCoords(cellId(q, r))).toEqual({ q, r });
    }
  });
});
