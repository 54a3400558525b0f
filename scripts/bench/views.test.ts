import { describe, expect, it } from "vitest";
import { benchViews } from "./views";

describe("BENCH_VIEWS", () => {
  it("picks views by name, the all-layer view too (its layer list holds commas)", () => {
    expect([...benchViews("all,base")]).toEqual(["all", "base"]);
    expect([...benchViews(" traffic , energy ")]).toEqual(["traffic", "energy"]);
    expect(benchViews(undefined).size).toBe(5);
  });
  it("names an unknown view", () => {
    expect(() => benchViews("traffic,energy,safety,roads")).toThrow("BENCH_VIEWS: unknown view roads; use all, traffic, energy, safety, base");
  });
});
