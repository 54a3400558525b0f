import { describe, expect, it } from "vitest";
import { generateCity } from "../city";
import { responseTimes, TURNOUT_S } from "./response-coverage";

describe("responseTimes", () => {
  const city = generateCity({ size: 0.1 });
  it("is the turnout time at a station and grows with distance along the road graph", () => {
    const station = city.safety.fireStations[0];
    const t = responseTimes(city, [station.nodeId]);
    const i = city.network.nodes.findIndex((n) => n.id === station.nodeId);
    expect(t[i]).toBe(TURNOUT_S);
    // Every segment satisfies the triangle inequality of shortest paths.
    const idx = new Map(city.network.nodes.map((n, k) => [n.id, k]));
    for (const s of city.network.segments) {
      const a = t[idx.get(s.from)!], b = t[idx.get(s.to)!];
      const cost = s.lengthM / ((s.freeFlowKmh / 3.6) * 0.75);
      expect(b).toBeLessThanOrEqual(a + cost + 1e-6);
      expect(a).toBeLessThanOrEqual(b + cost + 1e-6);
    }
  });
  it("takes the nearest of several stations", () => {
    const ids = city.safety.policeStations.map((s) => s.nodeId);
    const all = responseTimes(city, ids);
    const one = responseTimes(city, [ids[0]]);
    for (let i = 0; i < all.length; i++) expect(all[i]).toBeLessThanOrEqual(one[i]);
  });
});
