import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./test";
import { demoUser, signIn } from "./sign-in";

// The wall (大屏, issue 15): the map fills the screen with the panels around it, the tour
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

test.describe("the wall", () => {
  for (const c of CASES) {
    test(`the map fills the screen with KPI and alarm panels around it (${c.lang}, ${c.size.width}×${c.size.height})`, async ({ browser, baseURL }) => {
      test.setTimeout(240_000);
      const page = await wall(browser, baseURL!, c.lang, c.size, c.dept);
      await expect(page.getByTestId("wall")).toHaveAttribute("data-scale", c.scale);
      // The map is the whole screen; the panels float over it.
      const map = (await page.getByTestId("wall-map").boundingBox())!;
      expect(map).toEqual({ x: 0, y: 0, width: c.size.width, height: c.size.height });
      const left = (await page.getByTestId("wall-left").boundingBox())!;
      const right = (await page.getByTestId("wall-right").boundingBox())!;
      expect(left.x).toBeLessThan(40 * Number(c.scale));
      expect(right.x + right.width).toBeGreaterThan(c.size.width - 40 * Number(c.scale));
      expect(left.width).toBeGreaterThan(350 * Number(c.scale));
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
