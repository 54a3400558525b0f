import { describe, expect, it } from "vitest";
import { pathSegments, simplifyPaths } from "./simplify-paths";

// Near Yantai (37.5° N), in MapLibre's 512-pixel tiles: at zoom 12 one pixel is about 15 m, 0.000136° of latitude.
const LON = 121.4, LAT = 37.5;

describe("simplifyPaths", () => {
  it("drops vertices within the tolerance and keeps each path's ends", () => {
    // A straight path with a wiggle of about 3 m (0.2 px at zoom 12) in its middle, then a second path.
    const positions = [LON, LAT, LON + 0.001, LAT + 0.00003, LON + 0.002, LAT, LON, LAT + 0.01, LON + 0.001, LAT + 0.01];
    const out = simplifyPaths({ startIndices: [0, 3, 5], positions }, 12, 0.5);
    expect([...out.startIndices]).toEqual([0, 2, 4]);
    expect([...out.positions]).toEqual([LON, LAT, LON + 0.002, LAT, LON, LAT + 0.01, LON + 0.001, LAT + 0.01]);
  });

  it("keeps a corner that strays more than the tolerance", () => {
    // A right angle 0.005° (about 30 px at zoom 12) on a side.
    const positions = [LON, LAT, LON + 0.005, LAT, LON + 0.005, LAT + 0.005];
    const out = simplifyPaths({ startIndices: [0, 3], positions }, 12, 0.5);
    expect([...out.startIndices]).toEqual([0, 3]);
    expect([...out.positions]).toEqual(positions);
  });

  it("thins more at a lower zoom, where a pixel spans more ground", () => {
    // A bump of 0.00015° (about 17 m: 1.1 px at zoom 12, 0.28 px at zoom 10).
    const positions = [LON, LAT, LON + 0.002, LAT + 0.00015, LON + 0.004, LAT];
    expect(simplifyPaths({ startIndices: [0, 3], positions }, 12, 0.5).startIndices[1]).toBe(3);
    expect(simplifyPaths({ startIndices: [0, 3], positions }, 10, 0.5).startIndices[1]).toBe(2);
  });

  it("keeps paths of one vertex and empty input as they are", () => {
    expect([...simplifyPaths({ startIndices: [0, 1], positions: [LON, LAT] }, 12, 1).startIndices]).toEqual([0, 1]);
    expect([...simplifyPaths({ startIndices: [0], positions: [] }, 12, 1).startIndices]).toEqual([0]);
  });
});

describe("pathSegments", () => {
  it("gives each path's consecutive vertices as segments with their path", () => {
    const positions = [0, 0, 1, 0, 1, 1, 5, 5, 6, 6, 9, 9];
    const s = pathSegments({ startIndices: [0, 3, 5, 6], positions });
    expect([...s.path]).toEqual([0, 0, 1]);
    expect([...s.source]).toEqual([0, 0, 0, 1, 0, 0, 5, 5, 0]);
    expect([...s.target]).toEqual([1, 0, 0, 1, 1, 0, 6, 6, 0]);
  });
});
