import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./test";
import { demoUser, signIn } from "./sign-in";
import { decodePng, distinctColours } from "./helpers";

// The wall (大屏, issue 15): the map in the middle with the panels around it, the tour
// shows only layers the viewer may see, and a 3840×2160 wall looks like a 1920×1080 one at
// twice the size. Screenshots in both languages at both sizes.

const SHOTS = "e2e/screenshots";
fs.mkdirSync(SHOTS, { recursive: true });
type Lang = "en-US" | "zh-CN";

async function wall(browser: Browser, baseURL: string, lang: Lang, size: { width: number; height: number }, departmentId: string | null): Promise<Page> {
  const context = await browser.newContext({ baseURL, locale: lang, viewport: size });
  await context.addCookies([{ name: "lang", value: lang === "en-US" ? "en" : "zh-CN", url: baseURL }]);
  const page = await context.newPage();
  if (departmentId) await signIn(page.request, baseURL, demoUser(departmentId, "official"));
  await page.goto("/wall?cycle=3");
  await expect(page.getByTestId("wall")).toBeVisible({ timeout: 90_000 });
  await expect(page.locator("canvas.maplibregl-canvas")).toBeVisible({ timeout: 90_000 });
  return page;
}

const CASES = [
  { lang: "en-US" as const, size: { width: 1920, height: 1080 }, dept: "safety", scale: "1" },
  { lang: "zh-CN" as const, size: { width: 1920, height: 1080 }, dept: "safety", scale: "1" },
  { lang: "zh-CN" as const, size: { width: 3840, height: 2160 }, dept: "safety", scale: "2" },
  { lang: "en-US" as const, size: { width: 3840, height: 2160 }, dept: "safety", scale: "2" },
];

/**
 * Nothing of the map shows through a panel: with the panels' contents hidden, the inside of
 * every panel (title, both columns with the KPIs, legend and alarms, the ticker) is one flat
 * colour. A map label, road or cell drawn under a translucent panel, or a panel laid over the
 * map, would leave pixels of another colour there. The map itself must have drawn (many
 * colours), or the check would prove nothing.
 */
async function nothingShowsThroughPanels(page: Page, k: number) {
  const canvas = decodePng(await page.locator("canvas.maplibregl-canvas").screenshot());
  expect(distinctColours(canvas)).toBeGreaterThan(40);
  const hide = await page.addStyleTag({ content: '[data-testid="wall"] > :not([data-testid="wall-map"]) > * { visibility: hidden !important; }' });
  const panels = page.locator('[data-testid="wall"] > :not([data-testid="wall-map"])');
  expect(await panels.count()).toBe(4);
  const inset = 8 * k; // clear of the border and the rounded corners
  const report: string[] = [];
  for (const panel of await panels.all()) {
    const b = (await panel.boundingBox())!;
    const png = decodePng(await page.screenshot({ clip: { x: b.x + inset, y: b.y + inset, width: b.width - 2 * inset, height: b.height - 2 * inset } }));
    const [r, g, bl] = png.data;
    let off = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      if (Math.abs(png.data[i] - r) > 6 || Math.abs(png.data[i + 1] - g) > 6 || Math.abs(png.data[i + 2] - bl) > 6) off++;
    }
    const name = await panel.evaluate((el) => el.dataset.testid ?? el.tagName.toLowerCase());
    report.push(`${name} ${Math.round(b.width)}×${Math.round(b.height)}: ${off} of ${png.width * png.height} pixels not the panel's colour`);
  }
  await hide.evaluate((el) => el.parentNode?.removeChild(el));
  expect(report.filter((l) => !l.includes(": 0 of"))).toEqual([]);
}

test.describe("the wall", () => {
  for (const c of CASES) {
    test(`the map in the middle with KPI and alarm panels around it (${c.lang}, ${c.size.width}×${c.size.height})`, async ({ browser, baseURL }) => {
      test.setTimeout(240_000);
      const page = await wall(browser, baseURL!, c.lang, c.size, c.dept);
      await expect(page.getByTestId("wall")).toHaveAttribute("data-scale", c.scale);
      const k = Number(c.scale);
      // The panels frame the map: it takes the middle of the screen, between them, none over it.
      const map = (await page.getByTestId("wall-map").boundingBox())!;
      const left = (await page.getByTestId("wall-left").boundingBox())!;
      const right = (await page.getByTestId("wall-right").boundingBox())!;
      expect(left.x).toBeLessThan(40 * k);
      expect(right.x + right.width).toBeGreaterThan(c.size.width - 40 * k);
      expect(left.width).toBeGreaterThan(350 * k);
      expect(map.x).toBeGreaterThanOrEqual(left.x + left.width);
      expect(map.x + map.width).toBeLessThanOrEqual(right.x);
      expect(map.width).toBeGreaterThan(c.size.width - 2 * 420 * k);
      expect(map.height).toBeGreaterThan(c.size.height - 180 * k);
      // deck.gl's layers fill the map: it draws with MapLibre's drawing-buffer size, the wall's
      // scale included (with the size it found before the scale was set, a 2× wall had them in a corner).
      const buffers = () =>
        page.evaluate(() => {
          type DeckMap = { getCanvas(): HTMLCanvasElement; __deck?: { device?: { canvasContext?: { getDrawingBufferSize(): [number, number] } } } };
          const m = (window as unknown as { cityBrainMap?: DeckMap }).cityBrainMap;
          const d = m?.__deck?.device?.canvasContext?.getDrawingBufferSize();
          return m && d ? { maplibre: `${m.getCanvas().width}×${m.getCanvas().height}`, deck: `${d[0]}×${d[1]}` } : null;
        });
      await expect
        .poll(async () => {
          const b = await buffers();
          return b ? `deck ${b.deck}, map ${b.maplibre}` : "no map yet";
        }, { timeout: 30_000 })
        .toMatch(/^deck (\d+×\d+), map \1$/);
      // KPI tiles and the alarm panel, sparklines at readable size.
      await expect(page.getByTestId("kpi-speed")).toBeVisible();
      await expect(page.getByTestId("kpi-incidents")).toBeVisible();
      await expect(page.getByTestId("wall-alarms")).toBeVisible();
      await expect(page.getByTestId("wall-ticker")).toBeVisible();
      await expect(page.getByTestId("kpi-speed").locator("svg.sparkline path")).toHaveCount(1, { timeout: 60_000 });
      const spark = (await page.getByTestId("kpi-speed").locator("svg.sparkline").boundingBox())!;
      expect(spark.width).toBeGreaterThanOrEqual(150 * Number(c.scale));
      expect(spark.height).toBeGreaterThanOrEqual(34 * Number(c.scale));
      // No panel runs off the screen.
      for (const b of [left, right]) expect(b.y + b.height).toBeLessThanOrEqual(c.size.height);
      // The safety official tours traffic and safety (theirs); energy only if their department holds a grant.
      const { access } = (await (await page.request.get("/api/map/layers")).json()) as { access: { datasetId: string; allowed: boolean }[] };
      const energy = access.find((a) => a.datasetId === "energy.load")?.allowed;
      await expect(page.getByTestId("wall")).toHaveAttribute("data-cycle", energy ? "traffic,energy,safety,traffic+energy+safety" : "traffic,safety,traffic+safety");
      await page.waitForTimeout(4000);
      await page.screenshot({ path: path.join(SHOTS, `wall-${c.size.width}-${c.lang}.png`) });
      await nothingShowsThroughPanels(page, k);
    });
  }

  test("the tour skips the layers a guest cannot see; no-access tiles are left out", async ({ browser, baseURL }) => {
    test.setTimeout(180_000);
    for (const lang of ["en-US", "zh-CN"] as const) {
      const page = await wall(browser, baseURL!, lang, { width: 1920, height: 1080 }, null);
      await expect(page.getByTestId("wall")).toHaveAttribute("data-cycle", "traffic", { timeout: 30_000 });
      // Several steps: every one shows traffic, the district changes.
      const focus = await page.getByTestId("wall").getAttribute("data-focus");
      await expect.poll(async () => page.getByTestId("wall").getAttribute("data-focus"), { timeout: 15_000 }).not.toBe(focus);
      await expect(page.getByTestId("wall")).toHaveAttribute("data-layers", "traffic");
      await expect(page.getByTestId("wall-focus")).toContainText(lang === "en-US" ? "Traffic" : "交通");
      await expect(page.getByTestId("kpi-speed")).toBeVisible();
      await expect(page.getByTestId("kpi-load")).toHaveCount(0);
      await expect(page.getByTestId("kpi-incidents")).toHaveCount(0);
      await expect(page.getByText(lang === "en-US" ? "no access" : "无权限")).toHaveCount(0);
      await page.waitForTimeout(2000);
      await page.screenshot({ path: path.join(SHOTS, `wall-guest-${lang}.png`) });
      await page.context().close();
    }
  });
});
