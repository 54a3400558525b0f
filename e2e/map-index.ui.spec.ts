import fs from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { PNG } from "pngjs";
import { expect, test } from "./test";
import { decodePng, demoUser, diffPixels, signIn } from "./helpers";
import { E2E_DATA_DIR } from "./config";
import { GRADES, gradeOfIndex } from "../lib/map/traffic-grade";
import { en, zh } from "../lib/i18n/messages";
import { looksLikeGrade } from "../components/map/traffic-colors";

const SHOTS = "test-results/map-index";
fs.mkdirSync(SHOTS, { recursive: true });

/** The map canvas alone: every HTML panel over it hidden, so only what the map draws is counted. */
async function canvasOnly(page: Page): Promise<PNG> {
  const style = await page.addStyleTag({ content: "* { visibility: hidden !important; } canvas { visibility: visible !important; }" });
  try {
    return decodePng(await page.locator("canvas.maplibregl-canvas").screenshot());
  } finally {
    await style.evaluate((el) => (el as Element).remove());
  }
}

/** The canvas once two shots half a second apart agree (at most 20 s). */
async function settledCanvas(page: Page): Promise<PNG> {
  let prev = await canvasOnly(page);
  for (let i = 0; i < 40; i++) {
    await page.waitForTimeout(500);
    const cur = await canvasOnly(page);
    if (diffPixels(prev, cur) < 50) return cur;
    prev = cur;
  }
  return prev;
}

/** Pixels whose colour reads as a traffic grade, with a few examples. */
function gradePixels(png: PNG): { count: number; examples: string[] } {
  let count = 0;
  const examples = new Set<string>();
  for (let i = 0; i < png.data.length; i += 4) {
    const c = [png.data[i], png.data[i + 1], png.data[i + 2]];
    if (!looksLikeGrade(c)) continue;
    count++;
    if (examples.size < 8) examples.add(`rgb(${c.join(",")}) at ${(i / 4) % png.width},${Math.floor(i / 4 / png.width)}`);
  }
  return { count, examples: [...examples] };
}

/**
 * The legend inside the window and readable to its end: whole, or scrolling with a visible
 * "more" cue that goes once scrolled to the bottom, where the last section is inside the box.
 */
async function legendReadable(page: Page, windowHeight: number) {
  const legend = page.getByTestId("legend");
  const box = (await legend.boundingBox())!;
  expect(box.y + box.height).toBeLessThanOrEqual(windowHeight);
  const over = await legend.evaluate((el) => el.scrollHeight - el.clientHeight);
  if (over <= 2) {
    await expect(page.getByTestId("legend-more")).toHaveCount(0);
    return "whole";
  }
  await expect(page.getByTestId("legend-more")).toBeVisible();
  await legend.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(page.getByTestId("legend-more")).toHaveCount(0);
  const last = (await page.getByTestId("legend-incidents").boundingBox())!;
  expect(last.y + last.height).toBeLessThanOrEqual(box.y + box.height + 1);
  await legend.evaluate((el) => el.scrollTo(0, 0));
  await expect(page.getByTestId("legend-more")).toBeVisible();
  return "scrolls";
}

for (const lang of ["en", "zh-CN"] as const) {
  const m = lang === "en" ? en : zh;
  const short = lang === "en" ? "en" : "zh";

  test(`traffic index (${short}): the base map alone has no congestion colour; the legend shows the five grades; the KPI strip an index 0–10 with its grade`, async ({ browser, baseURL }) => {
    test.setTimeout(240_000);
    const ctx = await browser.newContext({ baseURL, locale: lang, viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    await signIn(page, baseURL!, demoUser(E2E_DATA_DIR, "traffic"));

    // The base map with no data layer: neutral roads, nothing in the grade colours' hues.
    await page.goto("/?layers=");
    await expect(page.getByTestId("app-title")).toHaveText(m["app.title"]);
    await expect(page.locator("canvas.maplibregl-canvas")).toBeVisible({ timeout: 90_000 });
    const base = await settledCanvas(page);
    fs.writeFileSync(path.join(SHOTS, `base-${short}.png`), PNG.sync.write(base));
    const onBase = gradePixels(base);
    expect(onBase.examples).toEqual([]);
    expect(onBase.count).toBe(0);

    // Traffic on: the legend names the five grades and no data, in this language.
    await page.getByTestId("layer-toggle-traffic").check();
    await expect(page.getByTestId("layer-traffic")).toHaveAttribute("data-status", /^(ok|partial)$/, { timeout: 30_000 });
    const legend = page.getByTestId("legend-traffic");
    await expect(legend).toContainText(m["legend.title"]);
    for (const g of GRADES) await expect(page.getByTestId(`legend-grade-${g}`)).toHaveText(m[`legend.grade.${g}`]);
    await expect(page.getByTestId("legend-grade-none")).toHaveText(m["legend.noData"]);

    // At 1400×900 with traffic on, the legend is whole.
    expect(await legendReadable(page, 900)).toBe("whole");

    // The KPI strip: the city's index between 0 and 10, the grade that value falls in, named in this language.
    const kpi = page.getByTestId("kpi-index");
    await expect(kpi).toHaveAttribute("data-index", /^\d/, { timeout: 60_000 });
    const index = Number(await kpi.getAttribute("data-index"));
    expect(index).toBeGreaterThanOrEqual(0);
    expect(index).toBeLessThanOrEqual(10);
    const grade = gradeOfIndex(index)!;
    await expect(kpi).toHaveAttribute("data-grade", grade);
    await expect(page.getByTestId("kpi-grade")).toHaveText(m[`legend.grade.${grade}`]);
    await expect(page.getByTestId("kpi-congestion").locator(".kpi-title")).toHaveText(m["kpi.congestion"]);
    // Worst corridors ranked by index, worst first, each coloured by the grade of its value.
    const corridors = page.getByTestId("corridor");
    await expect(corridors.first()).toBeVisible({ timeout: 60_000 });
    const rows = await corridors.evaluateAll((els) => els.map((el) => ({ index: Number(el.getAttribute("data-index")), grade: el.getAttribute("data-grade") })));
    for (const r of rows) {
      expect(r.index).toBeGreaterThanOrEqual(0);
      expect(r.index).toBeLessThanOrEqual(10);
      expect(r.grade).toBe(gradeOfIndex(r.index));
    }
    expect(rows.map((r) => r.index)).toEqual([...rows.map((r) => r.index)].sort((a, b) => b - a));

    // With traffic drawn, the same check finds grade colours: it can see them when they are there.
    await page.waitForTimeout(1500);
    const withTraffic = await settledCanvas(page);
    expect(gradePixels(withTraffic).count).toBeGreaterThan(200);
    await page.screenshot({ path: path.join(SHOTS, `map-${short}.png`) });

    // A short window: the legend scrolls, says so, and its end can be reached.
    await page.setViewportSize({ width: 1400, height: 620 });
    await page.waitForTimeout(500);
    expect(await legendReadable(page, 620)).toBe("scrolls");
    await page.screenshot({ path: path.join(SHOTS, `map-small-${short}.png`) });

    // Traffic and public safety at 1400×900: the longer legend is readable to its end;
    // response-time hexagons light and touching, no dark seams (looked at in the screenshot).
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.getByTestId("layer-toggle-safety").check();
    await expect(page.getByTestId("layer-safety")).toHaveAttribute("data-status", /^(ok|partial|hidden)$/, { timeout: 30_000 });
    await expect(page.getByTestId("legend-safety")).toBeVisible();
    await page.waitForTimeout(2000);
    await legendReadable(page, 900);
    await page.screenshot({ path: path.join(SHOTS, `safety-${short}.png`) });
  });
}
