import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { expect, test } from "./test";
import { E2E_DATA_DIR, E2E_PORT } from "./config";
import { startOwnConsole, type OwnConsole } from "./own-console";
import { demoUser, signIn } from "./helpers";

// Issue 19, real streets in: the synthetic OpenStreetMap extract (lib/city/osm-import/fixtures)
// is imported with `npm run city:import`, and a console of its own (fresh embedded database,
// its own port) runs on it with CITY_FILE. The map draws the imported roads (MapLibre's
// rendered features carry the file's road names) and credits the data, © OpenStreetMap
// contributors, ODbL, in both languages.

const PORT = E2E_PORT + 9;
const DATA_DIR = `${E2E_DATA_DIR}-osm`;
const base = `http://127.0.0.1:${PORT}`;
const SHOTS = "e2e/screenshots";
const MODEL = path.join(DATA_DIR, "haiyang-bay.json");
let own: OwnConsole | null = null;

test.describe("a console on an imported city", () => {
  test.describe.configure({ timeout: 240_000 });

  test.beforeAll(async () => {
    fs.rmSync(DATA_DIR, { recursive: true, force: true });
    fs.mkdirSync(DATA_DIR, { recursive: true });
    fs.mkdirSync(SHOTS, { recursive: true });
    const log = execFileSync(process.execPath, ["--import", "tsx", "scripts/city-import.ts", "lib/city/osm-import/fixtures/haiyang-bay.osm.pbf", "--out", MODEL], { encoding: "utf8" });
    expect(log).toMatch(/474 nodes, 111 ways, 4 relations/);
    own = await startOwnConsole({
      port: PORT,
      dataDir: DATA_DIR,
      env: {
        SIM_INTERVAL_MS: "1000",
        SIM_BACKFILL_HOURS: "0",
        CITY_FILE: MODEL,
      },
      timeoutMs: 90_000,
      intervalMs: 1000,
    });
  });
  test.afterAll(async () => {
    await own?.stop();
  });

  const open = async (page: Page, lang: "en" | "zh-CN") => {
    await page.context().addCookies([{ name: "lang", value: lang, url: base }]);
    await signIn(page, base, demoUser(DATA_DIR, "traffic"));
    await page.goto(`${base}/?layers=traffic`);
    await expect(page.getByTestId("city-map")).toHaveAttribute("data-ready", "1", { timeout: 60_000 });
  };

  /** The road lines MapLibre drew in the view: class and points (the base style's roads carry no names). */
  const drawnRoads = (page: Page) =>
    page.evaluate(() => {
      type F = { properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } };
      const map = (window as unknown as { cityBrainMap?: { getStyle(): { layers: { id: string }[] }; queryRenderedFeatures(o: { layers: string[] }): F[] } }).cityBrainMap;
      if (!map) return [];
      const layers = map.getStyle().layers.map((l) => l.id).filter((id) => id.startsWith("roads-"));
      return map.queryRenderedFeatures({ layers }).map((f) => ({
        cls: String(f.properties.class),
        points: (f.geometry.type === "LineString" ? f.geometry.coordinates : (f.geometry.coordinates as number[][][]).flat()) as [number, number][],
      }));
    });

  test("draws the imported roads and credits OpenStreetMap in both languages", async ({ browser }) => {
    expect(own!.output()).toMatch(/city "Haiyang Bay" \(seed osm:[0-9a-f]{16}\): \d+ road segments, \d+ devices/);
    const city = (await (await fetch(`${base}/api/city`)).json()) as { nameEn: string; nameZh: string; seed: string; districts: { nameEn: string }[] };
    expect(city.nameEn).toBe("Haiyang Bay");
    expect(city.districts.map((d) => d.nameEn)).toEqual(["Fushan District", "Zhifu District", "Laishan District"]);

    const en = await (await browser.newContext({ baseURL: base, viewport: { width: 1400, height: 900 } })).newPage();
    await open(en, "en");
    await expect.poll(async () => (await drawnRoads(en)).length, { timeout: 30_000 }).toBeGreaterThan(100);
    const roads = await drawnRoads(en);
    expect(new Set(roads.map((r) => r.cls))).toEqual(new Set(["expressway", "arterial", "collector", "local"]));
    // The file's trunk road (Shenhai Expressway) runs along latitude 37.45 from 121.30 eastwards.
    const trunk = roads.filter((r) => r.cls === "expressway").flatMap((r) => r.points).filter(([lon, lat]) => Math.abs(lat - 37.45) < 0.0005 && lon > 121.3 && lon < 121.34);
    expect(trunk.length).toBeGreaterThan(2);
    const credit = en.locator(".maplibregl-ctrl-attrib");
    await expect(credit).toContainText("© OpenStreetMap contributors, ODbL");
    await expect(credit).toBeVisible();
    // The header and the window title name the imported city, not Yantai.
    await expect(en.locator(".brand-subtitle")).toHaveText("Haiyang Bay city operations console");
    await expect(en).toHaveTitle(/Haiyang Bay city operations console/);
    await en.waitForTimeout(2500);
    await en.screenshot({ path: path.join(SHOTS, "city-import-en.png") });
    // The base map draws the file's land use and power lines (zoomed in so minor lines show too).
    const drawn = await en.evaluate(() => {
      const map = (window as unknown as { cityBrainMap?: { getStyle(): { layers: { id: string }[] }; queryRenderedFeatures(o: { layers: string[] }): unknown[] } }).cityBrainMap;
      const ids = map ? map.getStyle().layers.map((l) => l.id) : [];
      return { ids, landUse: map ? map.queryRenderedFeatures({ layers: ["landuse-fill"] }).length : 0 };
    });
    expect(drawn.ids).toEqual(expect.arrayContaining(["landuse-fill", "power-lines", "power-lines-minor"]));
    expect(drawn.landUse).toBeGreaterThan(0);
    // One WebGL page at a time: headless Chromium's software renderer stalls a second map's load while the first lives.
    await en.context().close();

    const zh = await (await browser.newContext({ baseURL: base, viewport: { width: 1400, height: 900 } })).newPage();
    await open(zh, "zh-CN");
    await expect(zh.locator(".maplibregl-ctrl-attrib")).toContainText("© OpenStreetMap 贡献者，ODbL 许可");
    await expect(zh.locator(".brand-subtitle")).toHaveText(`${city.nameZh}城市运行管理平台`);
    expect(city.nameZh).not.toBe("烟台");
    // Traffic sensors of the imported roads report: the layer draws values.
    await expect(zh.getByTestId("layer-traffic")).toHaveAttribute("data-status", /ok|partial/, { timeout: 60_000 });
    await zh.waitForTimeout(2500);
    await zh.screenshot({ path: path.join(SHOTS, "city-import-zh.png") });
  });
});
