import { describe, expect, it } from "vitest";
import { firstMapUrls, mapUrls } from "./map-urls";
import { featuresQuery, kpisQuery, latestQuery } from "./map-queries";

describe("firstMapUrls", () => {
  it("preloads the city, style, labels in the page's language, layers, KPIs and each shown layer's geometry and values", () => {
    expect(firstMapUrls("layers=traffic,safety", "zh-CN")).toEqual([
      "/api/city",
      "/api/city/style?theme=dark",
      "/api/city/labels?lang=zh-CN",
      "/api/map/layers",
      "/api/map/kpis",
      "/api/map/layers/traffic/features",
      "/api/map/layers/traffic/latest",
      "/api/map/layers/safety/features",
      "/api/map/layers/safety/latest",
    ]);
  });

  it("takes the map's default layers when the address names none, and ignores unknown ones", () => {
    expect(firstMapUrls("", "en").filter((u) => u.startsWith("/api/map/layers/"))).toEqual(["/api/map/layers/traffic/features", "/api/map/layers/traffic/latest"]);
    expect(firstMapUrls("layers=bogus", "en").some((u) => u.includes("bogus"))).toBe(false);
  });

  it("preloads no live values for a replayed moment", () => {
    const t = new Date(Date.now() - 3_600_000).toISOString();
    expect(firstMapUrls(`layers=traffic&t=${encodeURIComponent(t)}`, "en")).toEqual(["/api/city", "/api/city/style?theme=dark", "/api/city/labels?lang=en", "/api/map/layers"]);
  });

  it("names the same addresses the queries fetch (a preload is used only by a fetch of the same address)", async () => {
    const seen: string[] = [];
    const orig = globalThis.fetch;
    globalThis.fetch = (async (u: string) => {
      seen.push(u);
      return new Response("{}", { status: 200 });
    }) as typeof fetch;
    try {
      for (const q of [featuresQuery("traffic"), latestQuery("traffic"), kpisQuery(null)]) await (q.queryFn as () => Promise<unknown>)();
    } finally {
      globalThis.fetch = orig;
    }
    expect(seen).toEqual([mapUrls.features("traffic"), mapUrls.latest("traffic"), mapUrls.kpis(null)]);
    expect(firstMapUrls("layers=traffic", "en")).toEqual(expect.arrayContaining(seen));
  });
});
