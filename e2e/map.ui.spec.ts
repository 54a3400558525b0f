import fs from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { expect, test } from "./test";
import type { PNG } from "pngjs";
import { clearSpot, decodePng, demoUser, diffPixels, distinctColours, mapIdle, mapPixels, saveDiff, signIn, simulatorSigner, waitForChange, watchExternalRequests } from "./helpers";
import { signEnvelope } from "../lib/ingest/envelope";
import { GRADE_COLORS, hsv } from "../components/map/traffic-colors";
import { E2E_DATA_DIR } from "./config";

const SHOTS = "e2e/screenshots";
fs.mkdirSync(SHOTS, { recursive: true });

/** Waits until a layer draws values (or says why not) and the map had a moment to render. */
async function layerReady(page: Page, layer: string, status: RegExp) {
  await expect(page.getByTestId(`layer-${layer}`)).toHaveAttribute("data-status", status, { timeout: 30_000 });
  await page.waitForTimeout(1200);
}

/**
 * The map's pixels once it has drawn what it will keep drawing: the map has loaded and made its
 * first fit, the place labels are in the label layer, MapLibre is idle (every tile of the base
 * map loaded) after a frame with them, and two screenshots a second apart agree (at most 30 s). A reference taken earlier, on a loaded
 * machine, missed part of the base map and made the map look changed by a layer switched off.
 */
async function settledPixels(page: Page) {
  await expect(page.getByTestId("city-map")).toHaveAttribute("data-ready", "1", { timeout: 120_000 });
  await expect(page.getByTestId("city-map")).not.toHaveAttribute("data-labels", "0", { timeout: 120_000 });
  await mapIdle(page);
  let prev = await mapPixels(page);
  for (let i = 0; i < 30; i++) {
    await page.waitForTimeout(1_000);
    const cur = await mapPixels(page);
    if (diffPixels(prev, cur) < 50) return cur;
    prev = cur;
  }
  return prev;
}

type Sensors = { ids: string[]; startIndices: number[]; path: number[]; segmentIds: string[]; roadClass: string[] };

/** Pixels of the severe grade's dark red (hue about 358°) in a PNG, blended or not. */
function severePixels(png: PNG): number {
  const target = hsv(GRADE_COLORS.severe).h;
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const { h, s, v } = hsv([png.data[i], png.data[i + 1], png.data[i + 2]]);
    const dh = Math.min(Math.abs(h - target), 360 - Math.abs(h - target));
    if (dh <= 10 && s >= 0.7 && v >= 0.3) n++;
  }
  return n;
}

/**
 * Picks an expressway or arterial sensor that has just reported at a speed short of jammed
 * (the simulator's next report, 30 s later, would put its colour back), centres the map on its
 * segment at street zoom, then signs a reading of 4 km/h as that sensor and posts it. Returns
 * the dark red pixels around the segment's middle before, and the most seen within 20 s after.
 */
async function jamOneSegment(page: Page): Promise<{ sensor: string; before: number; after: number }> {
  const features = (await (await page.request.get("/api/map/layers/traffic/features")).json()) as { sensors: Sensors };
  const f = features.sensors;
  let pick: { i: number; mid: [number, number]; position: [number, number] } | null = null;
  await expect
    .poll(async () => {
      const latest = (await (await page.request.get("/api/map/layers/traffic/latest")).json()) as { sensors: { ids: string[]; speedKmh: (number | null)[]; observedAt: string[] } };
      const at = new Map(latest.sensors.ids.map((id, k) => [id, k]));
      for (let i = 0; i < f.ids.length; i++) {
        if (f.roadClass[i] !== "expressway" && f.roadClass[i] !== "arterial") continue;
        const k = at.get(f.ids[i]);
        if (k === undefined || (latest.sensors.speedKmh[k] ?? 0) < 30) continue;
        if (Date.now() - Date.parse(latest.sensors.observedAt[k]) > 6_000) continue;
        const v = Math.floor((f.startIndices[i] + f.startIndices[i + 1] - 1) / 2);
        pick = { i, mid: [f.path[2 * v], f.path[2 * v + 1]], position: [f.path[2 * f.startIndices[i]], f.path[2 * f.startIndices[i] + 1]] };
        return true;
      }
      return false;
    }, { timeout: 40_000, intervals: [1_000], message: "a major-road sensor that reported in the last 6 s" })
    .toBe(true);
  const { i, mid, position } = pick!;
  type M = { jumpTo(o: object): void; getCenter(): { lng: number; lat: number }; getZoom(): number };
  const view = await page.evaluate(() => {
    const m = (window as unknown as { cityBrainMap: M }).cityBrainMap;
    return { center: [m.getCenter().lng, m.getCenter().lat], zoom: m.getZoom() };
  });
  await page.evaluate((c) => (window as unknown as { cityBrainMap: M }).cityBrainMap.jumpTo({ center: c, zoom: 15.5 }), mid);
  await page.waitForTimeout(1_500);
  const box = await page.locator("canvas.maplibregl-canvas").boundingBox();
  const p = await page.evaluate((c) => (window as unknown as { cityBrainMap: { project(p: [number, number]): { x: number; y: number } } }).cityBrainMap.project(c), mid);
  const clip = { x: box!.x + p.x - 20, y: box!.y + p.y - 20, width: 40, height: 40 };
  const before = severePixels(decodePng(await page.screenshot({ clip })));
  const at = Date.now();
  const env = signEnvelope(
    { device: f.ids[i], dataset: "traffic.flow", seq: at * 1000 + 997, observedAt: new Date(at).toISOString(), location: position, values: { segmentId: f.segmentIds[i], speedKmh: 4, flowVehH: 120, occupancy: 0.9 } },
    simulatorSigner(f.ids[i]).sign,
  );
  expect(await (await page.request.post("/api/ingest/readings", { data: env })).json()).toMatchObject({ status: "accepted" });
  let after = 0;
  await expect
    .poll(async () => (after = Math.max(after, severePixels(decodePng(await page.screenshot({ clip }))))), { timeout: 20_000, intervals: [500] })
    .toBeGreaterThanOrEqual(6);
  await page.screenshot({ path: path.join(SHOTS, "map-jam-en.png") });
  await page.evaluate((v) => (window as unknown as { cityBrainMap: M }).cityBrainMap.jumpTo(v), view);
  return { sensor: f.ids[i], before, after };
}

test.describe("the city map", () => {
  test("draws the city in WebGL, toggles each layer, says why a layer is hidden, switches language, updates live, and stays on this machine", async ({ page }) => {
    // The longest journey, in software WebGL on 2 cores: 1.0 min alone, 1.5 min late in the full
    // suite. It once took 10 min and failed there: earlier tests left signed-in map pages open,
    // redrawing every live update in the same GPU process (e2e/test.ts now closes them).
    test.setTimeout(360_000);
    const external = watchExternalRequests(page);
    await page.goto("/?layers=");
    await expect(page.getByTestId("app-title")).toHaveText("City Brain");
    // This browser's first map: MapLibre and deck.gl (megabytes of JavaScript) load and compile
    // on the 2 cores the server and its simulator share; once took over 20 s in CI.
    await expect(page.locator("canvas.maplibregl-canvas")).toBeVisible({ timeout: 90_000 });
    await expect(page.getByTestId("layer-panel")).toBeVisible();
    // The base map settles (tiles of its own style, labels at the starting zoom: deck.gl draws
    // them from their own request) before it is the reference. Taken too early under the full
    // suite's load, it made the map look changed after traffic was switched off: CI failed here
    // with 1,568 pixels against 1,500 (more district labels in the last frames) and 2,274.
    const base = await settledPixels(page);
    expect(distinctColours(base)).toBeGreaterThan(20);

    // Traffic: segments coloured by congestion draw over the base map; off again, they go.
    await page.getByTestId("layer-toggle-traffic").check();
    await layerReady(page, "traffic", /^(ok|partial)$/);
    expect(await waitForChange(page, base, 3000)).toBeGreaterThanOrEqual(3000);
    const withTraffic = await mapPixels(page);
    expect(distinctColours(withTraffic)).toBeGreaterThan(40);
    await page.getByTestId("layer-toggle-traffic").uncheck();
    let off = base;
    await expect
      .poll(async () => diffPixels(base, (off = await mapPixels(page))), { timeout: 30_000, intervals: [1_000] })
      .toBeLessThan(1500)
      .catch((e: unknown) => {
        throw new Error(`${saveDiff(base, off, path.join(SHOTS, "map-traffic-off"))}\n${String(e)}`);
      });

    // Energy as a guest: the grid's infrastructure draws, its values are hidden and the panel says why.
    await page.getByTestId("layer-toggle-energy").check();
    await layerReady(page, "energy", /^hidden$/);
    await expect(page.getByTestId("layer-denied-energy.load")).toHaveAttribute("data-code", "sign_in");
    await expect(page.getByTestId("layer-denied-energy.load")).toContainText("sign in");
    expect(await waitForChange(page, base, 500)).toBeGreaterThanOrEqual(500);
    await page.getByTestId("layer-toggle-energy").uncheck();

    // Public safety: response coverage and stations draw; incidents and cameras need access.
    await page.getByTestId("layer-toggle-safety").check();
    await layerReady(page, "safety", /^hidden$/);
    expect(await waitForChange(page, base, 3000)).toBeGreaterThanOrEqual(3000);
    await expect(page.getByTestId("kpi-load")).toHaveAttribute("data-state", "none");
    // The alarm list says why it is empty for a guest, not "no open incidents".
    await expect(page.getByTestId("alarm-denied")).toContainText("sign in");
    await expect(page.getByTestId("alarm-list")).not.toContainText("No open incidents");
    await page.getByTestId("layer-toggle-safety").uncheck();

    // Live updates: with traffic on, the map applies batch after batch. Segments are coloured by
    // traffic grade (five colours): at the simulator's free flow no sensor changed grade in a
    // minute, so the canvas need not change within seconds; the live version must keep growing.
    await page.getByTestId("layer-toggle-traffic").check();
    await expect(page.getByTestId("live-status")).toHaveAttribute("data-state", "live");
    await layerReady(page, "traffic", /^(ok|partial)$/);
    const liveVersion = async () => Number(await page.getByTestId("city-map").getAttribute("data-live-version"));
    await expect.poll(liveVersion, { timeout: 20_000 }).toBeGreaterThan(1);
    const v0 = await liveVersion();
    await page.screenshot({ path: path.join(SHOTS, "map-en.png") });
    await expect.poll(liveVersion, { timeout: 20_000, intervals: [500] }).toBeGreaterThan(v0);
    // The view lives in the URL.
    await expect(page).toHaveURL(/layers=traffic&t=live/);

    // A signed jammed reading turns its own segment dark red within seconds: the live path from
    // a device's signature to the colour on the map, checked on the pixels.
    const jam = await jamOneSegment(page);
    expect(jam.before).toBe(0);
    expect(jam.after).toBeGreaterThanOrEqual(6);

    // Language switch changes visible text, and the choice sticks across a reload.
    await page.getByTestId("lang-switch").click();
    await expect(page.getByTestId("app-title")).toHaveText("城市大脑");
    await expect(page.getByTestId("legend")).toContainText("畅通");
    await expect(page).toHaveURL(/layers=traffic&t=live/);
    await page.reload();
    await expect(page.getByTestId("app-title")).toHaveText("城市大脑");
    // The stream opens once the console answers it: in the first minutes the console also
    // takes every simulated device's TLS connection (both ends in this one process).
    await expect(page.getByTestId("live-status")).toHaveAttribute("data-state", "live", { timeout: 90_000 });
    await expect(page.getByTestId("layer-panel")).toContainText("交通");
    await expect(page.getByTestId("kpi-speed")).toContainText("平均车速");
    await layerReady(page, "traffic", /^(ok|partial)$/);
    await page.screenshot({ path: path.join(SHOTS, "map-zh.png") });

    // No request left the machine, from the page or from the server.
    expect(external).toEqual([]);
    const egressLog = path.join(E2E_DATA_DIR, "egress.log");
    const serverEgress = fs.existsSync(egressLog) ? fs.readFileSync(egressLog, "utf8") : "";
    expect(serverEgress).toBe("");
  });

  test("officials see their department's layer; clicking a feature opens its panel with a chart and provenance; the view exports as PNG", async ({ browser, baseURL }) => {
    const ctx = await browser.newContext({ baseURL, locale: "en-US", viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const page = await ctx.newPage();
    await signIn(page, baseURL!, demoUser(E2E_DATA_DIR, "energy"));
    await page.goto("/?layers=energy");
    await layerReady(page, "energy", /^ok$/);
    await expect(page.getByTestId("kpi-load")).toHaveAttribute("data-state", "ok");
    await expect(page.getByTestId("legend-energy")).toBeVisible();
    await page.screenshot({ path: path.join(SHOTS, "map-energy.png") });

    // Click a substation: its panel shows the owner and the last 24 hours.
    const energy = await (await page.request.get("/api/map/layers/energy/features")).json();
    const subs = (energy.substations.ids as string[]).map((_, i) => [energy.substations.position[2 * i], energy.substations.position[2 * i + 1]] as [number, number]);
    const at = await clearSpot(page, subs);
    expect(at).not.toBeNull();
    const sub = energy.substations.ids[at!.index] as string;
    await page.mouse.click(at!.x, at!.y);
    await expect(page.getByTestId("feature-panel")).toHaveAttribute("data-feature", sub);
    await expect(page.getByTestId("feature-owner")).toContainText("State Grid");
    await expect(page.getByTestId("feature-chart")).toHaveAttribute("data-points", /^[1-9]/, { timeout: 30_000 });
    await expect(page).toHaveURL(new RegExp(`sel=${sub}`));

    // Click a traffic sensor's segment: the latest reading links to its provenance page.
    await page.getByTestId("layer-toggle-traffic").check();
    await layerReady(page, "traffic", /^(ok|partial)$/);
    const traffic = await (await page.request.get("/api/map/layers/traffic/features")).json();
    const { ids, startIndices, path: coords, freeFlowKmh } = traffic.sensors as { ids: string[]; startIndices: number[]; path: number[]; freeFlowKmh: number[] };
    // Long first edges are the easiest to hit: try them longest first, where no panel covers the map.
    // Only arterials and expressways (free flow 50 km/h and more): below zoom 12 the map draws no others.
    const order = ids
      .map((_, i) => {
        const k = startIndices[i] * 2;
        return { i, len: Math.hypot(coords[k + 2] - coords[k], coords[k + 3] - coords[k + 1]), mid: [(coords[k] + coords[k + 2]) / 2, (coords[k + 1] + coords[k + 3]) / 2] as [number, number] };
      })
      .filter((o) => freeFlowKmh[o.i] >= 50)
      .sort((a, b) => b.len - a.len)
      .slice(0, 60);
    const spot = await clearSpot(page, order.map((o) => o.mid));
    expect(spot).not.toBeNull();
    await page.mouse.click(spot!.x, spot!.y);
    await expect(page.getByTestId("feature-panel")).toHaveAttribute("data-feature", /^trf-/);
    await expect(page.getByTestId("provenance-link")).toHaveAttribute("href", /^\/provenance\/reading\/\d+$/);
    await expect(page.getByTestId("feature-chart")).toBeVisible();
    await page.screenshot({ path: path.join(SHOTS, "map-panel.png") });

    // Export the view as a PNG: the map's pixels and a caption.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-png").click()]);
    expect(download.suggestedFilename()).toMatch(/^city-brain-.*\.png$/);
    const png = decodePng(fs.readFileSync((await download.path())!));
    const canvas = await page.locator("canvas.maplibregl-canvas").boundingBox();
    expect(png.width).toBe(Math.round(canvas!.width));
    expect(distinctColours(png)).toBeGreaterThan(40);
    await ctx.close();

    // The safety department's official sees incidents, cameras and coverage.
    const sctx = await browser.newContext({ baseURL, locale: "en-US", viewport: { width: 1400, height: 900 } });
    const spage = await sctx.newPage();
    await signIn(spage, baseURL!, demoUser(E2E_DATA_DIR, "safety"));
    await spage.goto("/?layers=safety");
    await layerReady(spage, "safety", /^(ok|empty)$/);
    await expect(spage.getByTestId("kpi-incidents")).toHaveAttribute("data-state", "ok");
    await spage.screenshot({ path: path.join(SHOTS, "map-safety.png") });
    await spage.goto("/?layers=traffic,energy,safety");
    await layerReady(spage, "traffic", /^(ok|partial)$/);
    await spage.screenshot({ path: path.join(SHOTS, "map-all.png") });
    await sctx.close();
  });

  test("the time slider replays the last 24 hours and returns to live; wall mode tours by itself", async ({ page }) => {
    await page.goto("/?layers=traffic");
    await layerReady(page, "traffic", /^(ok|partial)$/);
    await page.screenshot({ path: path.join(SHOTS, "map-traffic.png") });
    const live = await mapPixels(page);

    // 23 hours ago the console was not running: the replayed frame has no readings.
    const range = page.getByTestId("time-range");
    const max = Number(await range.getAttribute("max"));
    await range.fill(String(max - 23 * 3_600_000));
    await expect(page.getByTestId("city-map")).toHaveAttribute("data-mode", "replay");
    await expect(page.getByTestId("time-slider")).toHaveAttribute("data-mode", "replay");
    await expect(page).toHaveURL(/t=20\d\d-/);
    expect(await waitForChange(page, live, 3000)).toBeGreaterThanOrEqual(3000);
    await expect(page.getByTestId("layer-traffic")).toHaveAttribute("data-status", "empty");
    await page.screenshot({ path: path.join(SHOTS, "map-replay.png") });
    const replayed = await mapPixels(page);

    // Play at an hour per second: the slider moves on by itself.
    await page.getByTestId("time-speed").selectOption("3600");
    await page.getByTestId("time-play").click();
    const t0 = Number(await page.getByTestId("time-slider").getAttribute("data-t"));
    await expect.poll(async () => Number(await page.getByTestId("time-slider").getAttribute("data-t")), { timeout: 10_000 }).toBeGreaterThan(t0 + 600_000);
    await page.getByTestId("time-play").click();

    // Back to live: the live colours return.
    await page.getByTestId("time-live").click();
    await expect(page.getByTestId("city-map")).toHaveAttribute("data-mode", "live");
    expect(await waitForChange(page, replayed, 3000)).toBeGreaterThanOrEqual(3000);

    // Wall mode (大屏): no header, KPIs around the map, a new district and layer every few seconds.
    await page.goto("/wall?cycle=3");
    await expect(page.getByTestId("wall")).toBeVisible();
    await expect(page.getByTestId("app-title")).toBeHidden();
    await expect(page.getByTestId("kpi-speed")).toBeVisible();
    const focus = await page.getByTestId("wall").getAttribute("data-focus");
    await expect.poll(async () => page.getByTestId("wall").getAttribute("data-focus"), { timeout: 15_000 }).not.toBe(focus);
    await page.waitForTimeout(3000);
    await page.screenshot({ path: path.join(SHOTS, "wall.png") });
  });

  test("the API page lists the documented routes", async ({ page }) => {
    await page.goto("/api-docs");
    await expect(page.getByTestId("api-docs")).toContainText("/api/traffic/latest");
    await expect(page.getByTestId("api-docs")).toContainText("/api/map/layers/{layer}/frames");
    await expect(page.getByTestId("api-docs")).toContainText("/api/openapi.json");
  });
});
