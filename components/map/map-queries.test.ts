import { afterEach, describe, expect, it, vi } from "vitest";
import { QueryClient } from "@tanstack/react-query";
import { featuresQuery, latestQuery, startMapQueries } from "./map-queries";

describe("startMapQueries", () => {
  afterEach(() => vi.unstubAllGlobals());
  const run = async (search: string) => {
    const urls: string[] = [];
    vi.stubGlobal("fetch", async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify({ url }), { status: 200, headers: { "content-type": "application/json" } });
    });
    const qc = new QueryClient();
    startMapQueries(qc, "zh-CN", search);
    await new Promise((r) => setTimeout(r, 0));
    await Promise.all(qc.getQueryCache().getAll().map((q) => q.promise));
    return { urls: urls.sort(), qc };
  };

  it("asks for the city, its style and labels in the page's language, the viewer's access, and the URL's layers live", async () => {
    const { urls, qc } = await run("?layers=traffic,safety");
    expect(urls).toEqual(
      [
        "/api/city",
        "/api/city/style?theme=dark",
        "/api/city/labels?lang=zh-CN",
        "/api/map/layers",
        "/api/map/layers/traffic/features",
        "/api/map/layers/traffic/latest",
        "/api/map/layers/safety/features",
        "/api/map/layers/safety/latest",
      ].sort(),
    );
    // Under the map's own keys: the map finds the answers instead of asking again.
    expect(qc.getQueryData(featuresQuery("safety").queryKey)).toEqual({ url: "/api/map/layers/safety/features" });
    expect(qc.getQueryData(latestQuery("traffic").queryKey)).toEqual({ url: "/api/map/layers/traffic/latest" });
  });

  it("asks for no live values when the URL replays a moment, and for traffic when it names no layers", async () => {
    const at = new Date(Date.now() - 3_600_000).toISOString();
    expect((await run(`?layers=energy&t=${encodeURIComponent(at)}`)).urls.filter((u) => u.startsWith("/api/map/layers/"))).toEqual(["/api/map/layers/energy/features"]);
    expect((await run("")).urls.filter((u) => u.startsWith("/api/map/layers/"))).toEqual(["/api/map/layers/traffic/features", "/api/map/layers/traffic/latest"]);
  });
});
