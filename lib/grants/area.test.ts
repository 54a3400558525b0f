import { describe, expect, it } from "vitest";
import { areaInside, circleRing, circlesBounds, distanceM, offsetM } from "./area";

const c = { lon: 121.45, lat: 37.46 };

describe("area", () => {
  it("offsets and measures in the same metres", () => {
    expect(distanceM(c, offsetM(c, 1000, 0))).toBeCloseTo(1000, 6);
    expect(distanceM(c, offsetM(c, 0, -250))).toBeCloseTo(250, 6);
    expect(distanceM(c, offsetM(c, 300, 400))).toBeCloseTo(500, 6);
  });
  it("draws a closed ring at the radius", () => {
    const ring = circleRing({ ...c, radiusM: 800 }, 16);
    expect(ring).toHaveLength(17);
    expect(ring[16]).toEqual(ring[0]);
    for (const [lon, lat] of ring) expect(distanceM(c, { lon, lat })).toBeCloseTo(800, 3);
  });
  it("boxes circles", () => {
    const b = circlesBounds([{ ...c, radiusM: 1000 }])!;
    expect(distanceM(c, { lon: b[2], lat: c.lat })).toBeCloseTo(1000, 6);
    expect(distanceM(c, { lon: c.lon, lat: b[1] })).toBeCloseTo(1000, 6);
    expect(circlesBounds([])).toBeNull();
  });
  it("tells a circle inside another", () => {
    const outer = { ...c, radiusM: 2000 };
    expect(areaInside({ ...offsetM(c, 1000, 0), radiusM: 1000 }, outer)).toBe(true);
    expect(areaInside({ ...offsetM(c, 1000, 0), radiusM: 1000.1 }, outer)).toBe(false);
    expect(areaInside({ ...c, radiusM: 1e6 }, null)).toBe(true);
  });
});
