import { describe, expect, it } from "vitest";
import { hexagonData, hexagonLayer, hexagonRings } from "./hexagons";

/** Great-circle distance in metres (the sphere of Web Mercator). */
function metres(a: [number, number], b: [number, number]) {
  const r = Math.PI / 180, R = 6_378_137;
  const h = Math.sin(((b[1] - a[1]) * r) / 2) ** 2 + Math.cos(a[1] * r) * Math.cos(b[1] * r) * Math.sin(((b[0] - a[0]) * r) / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

describe("hexagon rings", () => {
  const rings = hexagonRings(Float64Array.of(121.4, 37.5, 0, 121.5, 37.6, 0), 450);
  const p = rings.polygon.value;
  const corner = (cell: number, k: number): [number, number] => [p[(cell * 7 + k) * 2], p[(cell * 7 + k) * 2 + 1]];

  it("closes each cell's ring of 6 corners, 450 m from its centre, the first due east", () => {
    expect(rings.length).toBe(2);
    expect([...rings.startIndices]).toEqual([0, 7, 14]);
    expect(p.length).toBe(2 * 7 * 2);
    for (const [cell, c] of [[0, [121.4, 37.5]], [1, [121.5, 37.6]]] as [number, [number, number]][]) {
      expect(corner(cell, 6)).toEqual(corner(cell, 0));
      for (let k = 0; k < 6; k++) expect(Math.abs(metres(c, corner(cell, k)) - 450)).toBeLessThan(1);
      expect(corner(cell, 0)[1]).toBeCloseTo(c[1], 12);
      expect(corner(cell, 0)[0]).toBeGreaterThan(c[0]);
    }
  });

  it("winds counter-clockwise (the layer is told so and does not normalize)", () => {
    let area = 0;
    for (let k = 0; k < 6; k++) {
      const [x0, y0] = corner(0, k), [x1, y1] = corner(0, k + 1);
      area += x0 * y1 - x1 * y0;
    }
    expect(area).toBeGreaterThan(0);
    const layer = hexagonLayer("h", hexagonData(rings, () => [1, 2, 3, 4]), 1, true);
    expect(layer.props._windingOrder).toBe("CCW");
    expect(layer.props._normalize).toBe(false);
  });

  it("gives every corner of a cell the cell's colour", () => {
    const d = hexagonData(rings, (i) => (i === 0 ? [10, 20, 30, 40] : [50, 60, 70, 80]));
    const c = d.attributes.getFillColor.value;
    expect([...c.slice(6 * 4, 7 * 4)]).toEqual([10, 20, 30, 40]);
    expect([...c.slice(7 * 4, 8 * 4)]).toEqual([50, 60, 70, 80]);
    expect(d.attributes.getPolygon).toBe(rings.polygon);
  });
});
