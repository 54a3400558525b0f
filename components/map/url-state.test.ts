import { describe, expect, it } from "vitest";
import { DEFAULT_STATE, parseMapUrl, serializeMapUrl } from "./url-state";

const NOW = Date.parse("2026-11-25T08:00:00Z");

describe("map URL state", () => {
  it("round-trips layers, time, speed, bounds, selection and coverage", () => {
    const s = { layers: ["traffic", "safety"] as const, t: Date.parse("2026-11-25T02:30:00Z"), speed: 900, bbox: [121.3, 37.4, 121.6, 37.5] as [number, number, number, number], sel: "trf-000123", cov: "fire" as const };
    const url = serializeMapUrl({ ...s, layers: [...s.layers] });
    expect(url).toBe("?layers=traffic,safety&t=2026-11-25T02:30:00.000Z&speed=900&bbox=121.3000,37.4000,121.6000,37.5000&sel=trf-000123&cov=fire");
    expect(parseMapUrl(url, NOW)).toEqual({ ...s, layers: ["traffic", "safety"] });
  });
  it("falls back to defaults for what does not parse", () => {
    expect(parseMapUrl("?layers=traffic,nope&t=yesterday&speed=7&bbox=1,2,3&sel=<x>&cov=x", NOW)).toEqual({ ...DEFAULT_STATE, layers: ["traffic"] });
    expect(parseMapUrl("", NOW)).toEqual(DEFAULT_STATE);
    // A moment outside the last 24 hours replays nothing: live.
    expect(parseMapUrl("?t=2026-11-20T00:00:00Z", NOW).t).toBeNull();
    expect(parseMapUrl("?layers=", NOW).layers).toEqual([]);
    // The citizen-reports layer and a report selected on it.
    const c = parseMapUrl("?layers=citizen,traffic&sel=citizen-3f2b9c1e-0000-4000-8000-000000000001", NOW);
    expect(c).toMatchObject({ layers: ["traffic", "citizen"], sel: "citizen-3f2b9c1e-0000-4000-8000-000000000001" });
    expect(serializeMapUrl(c)).toContain("layers=traffic,citizen");
  });
});
