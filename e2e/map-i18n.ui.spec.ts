// The duty officer's map as a Chinese official reads it: every name, unit and value label of
// the map, its panels and the wall in Chinese (no raw codes, no English); labels thinned by
// collision; status text that agrees with what is drawn and with the current grant; and
// fitting that keeps features clear of the panels. Screenshots in both languages.
import fs from "node:fs";
import path from "node:path";
import type { APIRequestContext, Browser, Page } from "@playwright/test";
import { expect, test } from "./test";
import { screenOf, signedIncident } from "./helpers";
import { demoUser, signIn } from "./sign-in";

const SHOTS = "e2e/screenshots";
fs.mkdirSync(SHOTS, { recursive: true });

/** Codes of the city model and the datasets that must never show in the Chinese interface. */
const RAW_CODES = [
  "expressway", "arterial", "collector", "fushan", "zhifu", "laishan", "muping", "penglai", "devzone",
  "police-bureau", "police-station", "fire-station", "veh/h", "veh/min", "traffic-sensor", "feeder-meter",
  "traffic.flow", "energy.load", "safety.incidents", "safety.cameras", "accident", "reported", "responding", "resolved",
  "residential", "commercial", "industrial", "solar", "speedKmh", "flowVehH", "occupancy", "loadMw", "utilisation", "voltageKv",
  "Transport Bureau", "State Grid", "Public Security",
];
/** ASCII words a Chinese page may show: units, acronyms, and the ids of things. */
// "e2e" is the road segment these tests' own incidents name.
const ALLOWED_WORDS = new Set(["km/h", "MW", "kV", "API", "PNG", "k", "m/s", "W/m²", "e2e"]);
const ID = /^(?:[a-z]{2,5}[-_][\w-]+|[a-z]{2,4}\d+|[\d.:,/-]+)$/i;

/** ASCII words of a text that are neither ids, numbers nor allowed units. */
function englishWords(text: string): string[] {
  const words = text.match(/[A-Za-z][A-Za-z0-9_./²-]*/g) ?? [];
  return [...new Set(words.filter((w) => !ALLOWED_WORDS.has(w) && !ID.test(w)))];
}

/** The visible text of a page region, with the raw codes and English words found in it. */
async function offenders(page: Page, testId: string) {
  const text = await page.getByTestId(testId).innerText();
  return { text, codes: RAW_CODES.filter((c) => text.toLowerCase().includes(c.toLowerCase())), english: englishWords(text) };
}

async function expectChinese(page: Page, testId: string) {
  const o = await offenders(page, testId);
  expect({ where: testId, codes: o.codes, english: o.english }, o.text).toEqual({ where: testId, codes: [], english: [] });
}

async function api(browser: Browser, baseURL: string, departmentId: string, role: string): Promise<APIRequestContext> {
  const ctx = (await browser.newContext({ baseURL })).request;
  await signIn(ctx, baseURL, demoUser(departmentId, role));
  return ctx;
}

async function mapPage(browser: Browser, baseURL: string, departmentId: string, locale: "zh-CN" | "en-US", viewport = { width: 1400, height: 900 }): Promise<Page> {
  const context = await browser.newContext({ baseURL, locale, viewport });
  await context.addCookies([{ name: "lang", value: locale === "en-US" ? "en" : "zh-CN", url: baseURL }]);
  const page = await context.newPage();
  await signIn(page.request, baseURL, demoUser(departmentId, "official"));
  return page;
}

async function openMap(page: Page, query: string) {
  await page.goto(`/?${query}`);
  await expect(page.locator("canvas.maplibregl-canvas")).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId("live-status")).toHaveAttribute("data-state", "live", { timeout: 90_000 });
  // The map has loaded (and made its first fit).
  await expect.poll(() => page.evaluate(() => (window as unknown as { cityBrainMap?: { loaded(): boolean } }).cityBrainMap?.loaded() ?? false), { timeout: 60_000 }).toBe(true);
}

/** A signed severity-1 incident at a place, sent as a dispatch terminal does; returns its id. */
async function declareIncident(request: APIRequestContext, at: [number, number], tail: number): Promise<string> {
  const id = `inc-e2e-i18n-${Date.now()}-${tail}`;
  const sent = await request.post("/api/ingest/readings", { data: signedIncident(at, id, tail) });
  expect(await sent.json()).toMatchObject({ status: "accepted" });
  return id;
}

/** The city's bounds, and a point near its south-west corner (where the legend sat over it). */
async function cornerPoint(request: APIRequestContext): Promise<[number, number]> {
  const city = await (await request.get("/api/city")).json();
  const [w, s, e, n] = city.bounds as number[];
  return [w + (e - w) * 0.06, s + (n - s) * 0.1];
}

/** The rectangles of everything drawn over the map. */
async function panelBoxes(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>(".map-overlay, .map-tools, .maplibregl-ctrl-group")]
      .filter((el) => el.offsetParent !== null)
      .map((el) => {
        const r = el.getBoundingClientRect();
        return { name: `${el.className}`.split(" ").slice(0, 2).join("."), left: r.left, top: r.top, right: r.right, bottom: r.bottom };
      }),
  );
}

async function expectClearOfPanels(page: Page, lonLat: [number, number]) {
  const p = await screenOf(page, lonLat);
  const canvas = (await page.locator("canvas.maplibregl-canvas").boundingBox())!;
  expect(p.x).toBeGreaterThan(canvas.x);
  expect(p.x).toBeLessThan(canvas.x + canvas.width);
  expect(p.y).toBeGreaterThan(canvas.y);
  expect(p.y).toBeLessThan(canvas.y + canvas.height);
  const under = (await panelBoxes(page)).filter((b) => p.x >= b.left - 4 && p.x <= b.right + 4 && p.y >= b.top - 4 && p.y <= b.bottom + 4);
  expect(under, `incident at ${Math.round(p.x)},${Math.round(p.y)}`).toEqual([]);
}

/**
 * What of each KPI cell's content lies outside the cell, and what of it lies over another cell:
 * every element's box and every text's box (a text's as drawn, clipped by the elements that clip
 * it, e.g. a road name cut with an ellipsis), against the cells' border boxes.
 */
async function kpiOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const E = 0.5;
    const cells = [...document.querySelectorAll<HTMLElement>('[data-testid="kpi-strip"] .kpi')];
    const rects = cells.map((c) => c.getBoundingClientRect());
    const px = (r: { left: number; right: number; top: number; bottom: number }) => `[${Math.round(r.left)}–${Math.round(r.right)} × ${Math.round(r.top)}–${Math.round(r.bottom)}]`;
    const out: string[] = [];
    cells.forEach((cell, i) => {
      const name = cell.dataset.testid ?? `kpi ${i}`;
      /** A box as seen: cut by every clipping element between it and its cell. */
      const seen = (from: Element, r: DOMRect) => {
        let b = { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        for (let el: Element | null = from; el && el !== cell; el = el.parentElement) {
          const st = getComputedStyle(el);
          if (st.overflowX === "visible" && st.overflowY === "visible") continue;
          const c = el.getBoundingClientRect();
          b = { left: Math.max(b.left, c.left), right: Math.min(b.right, c.right), top: Math.max(b.top, c.top), bottom: Math.min(b.bottom, c.bottom) };
        }
        return b;
      };
      const boxes: [string, ReturnType<typeof seen>][] = [];
      for (const el of cell.querySelectorAll("*")) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.height > 0) boxes.push([el.getAttribute("data-testid") ?? (el.getAttribute("class") || el.tagName), seen(el.parentElement!, r)]);
      }
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const text = n.textContent?.trim();
        if (!text) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        const r = range.getBoundingClientRect();
        if (r.width > 0) boxes.push([`"${text}"`, seen(n.parentElement!, r)]);
      }
      const c = rects[i];
      for (const [what, b] of boxes) {
        if (b.right - b.left <= 0 || b.bottom - b.top <= 0) continue;
        if (b.left < c.left - E || b.right > c.right + E || b.top < c.top - E || b.bottom > c.bottom + E) out.push(`${name}: ${what} ${px(b)} outside its cell ${px(c)}`);
        rects.forEach((o, j) => {
          if (j !== i && b.left < o.right - E && b.right > o.left + E && b.top < o.bottom - E && b.bottom > o.top + E) out.push(`${name}: ${what} ${px(b)} over ${cells[j].dataset.testid} ${px(o)}`);
        });
      }
    });
    return out;
  });
}

test.describe("the map in Chinese", () => {
  test("names, units and value labels of the map, the feature and layer panels and the wall are localized (no raw codes, no English)", async ({ browser, baseURL }) => {
    test.setTimeout(360_000);
    const safety = await mapPage(browser, baseURL!, "safety", "zh-CN");
    const incident = await declareIncident(safety.request, await cornerPoint(safety.request), 990);
    const traffic = await (await safety.request.get("/api/map/layers/traffic/features")).json();
    const energy = await (await safety.request.get("/api/map/layers/energy/features")).json();
    const freeFlow = traffic.sensors.freeFlowKmh as number[];
    // An expressway's sensor: its road class and capacity (veh/h) are among the facts.
    const sensor = (traffic.sensors.ids as string[]).find((_, i) => freeFlow[i] >= 80) ?? traffic.sensors.ids[0];
    const feeder = energy.feeders.ids[0] as string;

    await openMap(safety, "layers=traffic,energy,safety");
    await expect(safety.getByTestId("layer-traffic")).toHaveAttribute("data-status", /^(ok|partial)$/, { timeout: 60_000 });
    await expect(safety.getByTestId("layer-safety")).toHaveAttribute("data-status", /^(ok|partial)$/, { timeout: 60_000 });
    await expectChinese(safety, "layer-panel");
    await expectChinese(safety, "live-status");

    // A traffic sensor's panel: road class, district, units and field names in Chinese.
    await safety.goto(`/?layers=traffic,energy,safety&sel=${sensor}`);
    const panel = safety.getByTestId("feature-panel");
    await expect(panel).toHaveAttribute("data-state", "ok", { timeout: 60_000 });
    await expect(panel).toContainText(/快速路|主干路|次干路|支路/);
    await expect(panel).toContainText(/芝罘区|福山区|莱山区|牟平区|蓬莱区|开发区/);
    await expect(panel).toContainText("辆/时");
    await expect(panel).toContainText("平均车速");
    await expect(panel).not.toContainText("不超过");
    await expectChinese(safety, "feature-panel");
    await safety.screenshot({ path: path.join(SHOTS, "i18n-sensor-zh.png") });

    // The incident's panel: its type and status as words.
    await safety.goto(`/?layers=traffic,energy,safety&sel=${incident}`);
    await expect(panel).toHaveAttribute("data-state", "ok", { timeout: 60_000 });
    await expect(panel).toContainText("交通事故");
    await expect(panel).toContainText("已上报");
    await expectChinese(safety, "feature-panel");
    await safety.screenshot({ path: path.join(SHOTS, "i18n-incident-zh.png") });

    // A feeder the safety bureau may not read: the refusal says why, in Chinese.
    await safety.goto(`/?layers=traffic,energy,safety&sel=${feeder}`);
    await expect(panel).toHaveAttribute("data-state", "error", { timeout: 60_000 });
    await expect(panel).toContainText("无权限");
    await expect(panel).toContainText("国网烟台供电公司");
    await expectChinese(safety, "feature-panel");
    await safety.screenshot({ path: path.join(SHOTS, "i18n-feeder-refused-zh.png") });

    // The wall.
    await safety.goto("/wall?cycle=3");
    await expect(safety.getByTestId("wall")).toBeVisible({ timeout: 90_000 });
    await safety.waitForTimeout(4000);
    await expectChinese(safety, "wall-focus");
    await safety.screenshot({ path: path.join(SHOTS, "i18n-wall-zh.png") });
    await safety.context().close();

    // The grid's own official sees the feeder: profile, substation name, MW.
    const grid = await mapPage(browser, baseURL!, "energy", "zh-CN");
    await openMap(grid, `layers=energy&sel=${feeder}`);
    await expect(grid.getByTestId("feature-panel")).toHaveAttribute("data-state", "ok", { timeout: 60_000 });
    await expect(grid.getByTestId("feature-panel")).toContainText(/居民|商业|工业/);
    await expect(grid.getByTestId("feature-panel")).toContainText("变电站");
    // The latest reading's time is the city's (UTC+8), whatever the browser's zone (UTC here):
    // within two minutes of the city's clock now.
    const shown = (await grid.getByTestId("feature-latest").locator(".panel-section").innerText()).match(/(\d{2}):(\d{2}):(\d{2})/);
    expect(shown, "the latest reading's time").not.toBeNull();
    const cityNow = new Date(Date.now() + 8 * 3_600_000);
    const diff = Math.abs(((Number(shown![1]) * 60 + Number(shown![2])) - (cityNow.getUTCHours() * 60 + cityNow.getUTCMinutes()) + 1440 + 720) % 1440 - 720);
    expect(diff, `latest reading shown at ${shown![0]}, the city's clock reads ${cityNow.toISOString().slice(11, 19)}`).toBeLessThanOrEqual(2);
    await expectChinese(grid, "feature-panel");
    await expectChinese(grid, "layer-panel");
    await grid.screenshot({ path: path.join(SHOTS, "i18n-feeder-zh.png") });
    // And in English, the same panel speaks English words, not codes.
    await grid.context().addCookies([{ name: "lang", value: "en", url: baseURL! }]);
    await grid.reload();
    await expect(grid.getByTestId("feature-panel")).toHaveAttribute("data-state", "ok", { timeout: 60_000 });
    await expect(grid.getByTestId("feature-panel")).toContainText(/residential|commercial|industrial/);
    await expect(grid.getByTestId("feature-panel")).not.toContainText("utilisation");
    await grid.screenshot({ path: path.join(SHOTS, "i18n-feeder-en.png") });
    await grid.context().close();

    const en = await mapPage(browser, baseURL!, "safety", "en-US");
    await openMap(en, `layers=traffic,energy,safety&sel=${sensor}`);
    await expect(en.getByTestId("feature-panel")).toHaveAttribute("data-state", "ok", { timeout: 60_000 });
    await expect(en.getByTestId("feature-panel")).toContainText(/expressway|arterial road|secondary road|local street/);
    await expect(en.getByTestId("feature-panel")).toContainText(/District|Development Zone/);
    await en.screenshot({ path: path.join(SHOTS, "i18n-sensor-en.png") });
    await en.context().close();
  });

  test("street labels are thinned by collision at zoom 12 and legible at zoom 15 (screenshots in both languages)", async ({ browser, baseURL }) => {
    test.setTimeout(240_000);
    for (const locale of ["zh-CN", "en-US"] as const) {
      const page = await mapPage(browser, baseURL!, "traffic", locale);
      await openMap(page, "layers=traffic");
      const city = await (await page.request.get("/api/city")).json();
      for (const zoom of [12, 15]) {
        await page.evaluate(([c, z]) => {
          const m = (window as unknown as { cityBrainMap: { jumpTo(o: object): void } }).cityBrainMap;
          m.jumpTo({ center: c, zoom: z });
        }, [city.center, zoom] as const);
        // Labels are placed for the zoom the map shows (its half-zoom step).
        await expect(page.getByTestId("city-map")).toHaveAttribute("data-zoom", String(zoom));
        await page.waitForTimeout(4000);
        await page.screenshot({ path: path.join(SHOTS, `i18n-labels-z${zoom}-${locale}.png`) });
      }
      await page.context().close();
    }
  });

  test("status text agrees with the map: drawn incidents are data, and a revoke changes the open page's notes and panel", async ({ browser, baseURL }) => {
    test.setTimeout(360_000);
    // The transport bureau is granted raw incidents (not cameras): the safety layer draws incidents only.
    const headers = { origin: baseURL! };
    const asker = await api(browser, baseURL!, "traffic", "dept_admin");
    const r = await asker.post("/api/grants", { data: { datasetId: "safety.incidents", scope: "raw", purpose: "i18n e2e: incidents on the transport map", validUntil: new Date(Date.now() + 3_600_000).toISOString() }, headers });
    expect(r.status(), await r.text()).toBe(200);
    const grantId = (await r.json()).grant.id as string;
    const owner = await api(browser, baseURL!, "safety", "dept_admin");
    const a = await owner.post(`/api/grants/${grantId}/approve`, { data: {}, headers });
    expect(a.status(), await a.text()).toBe(200);
    const incident = await declareIncident(owner, await cornerPoint(owner), 991);

    const page = await mapPage(browser, baseURL!, "traffic", "zh-CN");
    await openMap(page, `layers=safety&sel=${incident}`);
    const layer = page.getByTestId("layer-safety");
    // Incidents drawn, cameras hidden: partial, never "no data".
    await expect(layer).toHaveAttribute("data-status", "partial", { timeout: 60_000 });
    await expect(layer).not.toContainText("无数据");
    await expect(layer).not.toContainText("尚无读数");
    await expect(page.getByTestId("layer-denied-safety.cameras")).toBeVisible();
    await expect(page.getByTestId("feature-panel")).toHaveAttribute("data-state", "ok", { timeout: 60_000 });
    await page.screenshot({ path: path.join(SHOTS, "i18n-status-granted-zh.png") });

    // Revoked while the page is open: the layer's note and the open panel follow at once.
    const rv = await owner.post(`/api/grants/${grantId}/revoke`, { data: { reason: "i18n e2e revoke" }, headers });
    expect(rv.status(), await rv.text()).toBe(200);
    await expect(page.getByTestId("layer-denied-safety.incidents")).toHaveAttribute("data-code", "revoked", { timeout: 5_000 });
    await expect(page.getByTestId("layer-denied-safety.incidents")).toContainText("授权已撤销");
    await expect(layer).toHaveAttribute("data-status", "hidden", { timeout: 10_000 });
    await expect(page.getByTestId("feature-panel")).toHaveAttribute("data-state", "error", { timeout: 15_000 });
    await expect(page.getByTestId("feature-panel")).toContainText("授权已撤销");
    await expect(page.getByTestId("feature-latest")).toHaveCount(0);
    // The header's data-access menu says so too, without waiting for its own polling.
    await page.getByTestId("data-access-button").click();
    await expect(page.getByTestId("access-safety.incidents")).toHaveAttribute("data-denied", "revoked", { timeout: 5_000 });
    await page.screenshot({ path: path.join(SHOTS, "i18n-status-revoked-zh.png") });
    await page.context().close();
  });

  test("every KPI cell's content stays inside its cell: the open incidents' grades beside a no-access cell, desktop and wall, both languages (screenshots)", async ({ browser, baseURL }) => {
    test.setTimeout(360_000);
    // The safety official reads incidents (three grade chips) and neither the grid nor citizen
    // reports: "无权限" / "no access" sits in the cells on both sides of the chips.
    const sizes = [
      { where: "desktop", size: { width: 1400, height: 900 }, path: "/?layers=traffic,safety" },
      { where: "wall-1920", size: { width: 1920, height: 1080 }, path: "/wall?cycle=3" },
      { where: "wall-3840", size: { width: 3840, height: 2160 }, path: "/wall?cycle=3" },
    ];
    for (const locale of ["zh-CN", "en-US"] as const) {
      for (const s of sizes) {
        const page = await mapPage(browser, baseURL!, "safety", locale, s.size);
        await page.goto(s.path);
        await expect(page.getByTestId("kpi-incidents")).toHaveAttribute("data-state", "ok", { timeout: 90_000 });
        await expect(page.getByTestId("kpi-speed")).toHaveAttribute("data-state", "ok", { timeout: 90_000 });
        await expect(page.getByTestId("open-s1")).toContainText(locale === "zh-CN" ? "一级" : "S1");
        if (s.where === "desktop") await expect(page.getByTestId("kpi-reports")).toContainText(locale === "zh-CN" ? "无权限" : "no access");
        await page.waitForTimeout(1000);
        const shot = path.join(SHOTS, `kpi-fit-${s.where}-${locale}.png`);
        if (s.where === "desktop") await page.getByTestId("kpi-strip").screenshot({ path: shot });
        else await page.screenshot({ path: shot });
        expect(await kpiOverflow(page), `${s.where} ${locale}`).toEqual([]);
        await page.context().close();
      }
    }
  });

  test("fitting the city and flying to a selected incident keep it clear of every panel", async ({ browser, baseURL }) => {
    test.setTimeout(240_000);
    const page = await mapPage(browser, baseURL!, "safety", "zh-CN");
    page.on("pageerror", (e) => console.log(`page error: ${e.message}`));
    const at = await cornerPoint(page.request);
    const incident = await declareIncident(page.request, at, 992);
    // City zoom: the whole city fitted, the incident at the south-west corner clear of the legend.
    await openMap(page, "layers=safety");
    await expect(page.getByTestId("layer-safety")).toHaveAttribute("data-status", /^(ok|partial)$/, { timeout: 60_000 });
    const z = await page.evaluate(() => (window as unknown as { cityBrainMap: { getZoom(): number } }).cityBrainMap.getZoom());
    await expect(page.getByTestId("city-map")).toHaveAttribute("data-zoom", String(Math.floor(z * 2) / 2));
    await page.waitForTimeout(1500);
    await expectClearOfPanels(page, at);
    await page.screenshot({ path: path.join(SHOTS, "i18n-fit-city-zh.png") });

    // Selected (as from a list or a link), zoomed in where the feature panel would cover it.
    await page.evaluate(([c]) => {
      const m = (window as unknown as { cityBrainMap: { jumpTo(o: object): void } }).cityBrainMap;
      m.jumpTo({ center: [c[0] - 0.03, c[1]], zoom: 13 });
    }, [at] as const);
    await page.waitForTimeout(800);
    const url = new URL(page.url());
    url.searchParams.set("sel", incident);
    await page.goto(url.pathname + url.search);
    await expect(page.getByTestId("feature-panel")).toHaveAttribute("data-state", "ok", { timeout: 60_000 });
    await expect(page.getByTestId("city-map")).toHaveAttribute("data-ready", "1");
    await expect(page.getByTestId("city-map")).toHaveAttribute("data-cleared", `${incident}:moved`, { timeout: 10_000 });
    await page.waitForTimeout(1500);
    await expectClearOfPanels(page, at);
    await page.screenshot({ path: path.join(SHOTS, "i18n-fit-incident-zh.png") });
    await page.context().close();
  });
});
