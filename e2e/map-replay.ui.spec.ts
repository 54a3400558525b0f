// Replay and back to live, in both languages: a seek draws the replayed moment's bucket (with or
// without readings, as the history holds), a second seek to another moment draws that one, and
// "live" draws the live values again. Screenshots of each step in each language.
import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./test";
import { diffPixels, mapPixels } from "./helpers";
import { demoUser, signIn } from "./sign-in";

const SHOTS = "e2e/screenshots";
fs.mkdirSync(SHOTS, { recursive: true });
const BUCKET_MS = 300_000;

async function mapPage(browser: Browser, baseURL: string, locale: "zh-CN" | "en-US"): Promise<Page> {
  const context = await browser.newContext({ baseURL, locale, viewport: { width: 1400, height: 900 } });
  await context.addCookies([{ name: "lang", value: locale === "en-US" ? "en" : "zh-CN", url: baseURL }]);
  const page = await context.newPage();
  await signIn(page.request, baseURL, demoUser("traffic", "official"));
  return page;
}

/** Moves the slider to `ms` (as a drag ends there) and waits until that moment's bucket is drawn. */
async function seek(page: Page, ms: number): Promise<number> {
  await page.getByTestId("time-range").fill(String(ms));
  await expect(page.getByTestId("city-map")).toHaveAttribute("data-mode", "replay");
  const t = Number(await page.getByTestId("time-slider").getAttribute("data-t"));
  // data-frame: the start of the replayed bucket the layers draw now.
  await expect(page.getByTestId("city-map")).toHaveAttribute("data-frame", String(Math.floor(t / BUCKET_MS) * BUCKET_MS), { timeout: 30_000 });
  return t;
}

test.describe("replay and back to live", () => {
  for (const locale of ["en-US", "zh-CN"] as const) {
    test(`a seek draws the replayed moment and "live" the live values again (${locale})`, async ({ browser, baseURL }) => {
      test.setTimeout(240_000);
      const page = await mapPage(browser, baseURL!, locale);
      const liveWord = locale === "en-US" ? "Live" : "实时";
      const loadingWord = locale === "en-US" ? "loading history" : "正在加载历史";
      await page.goto("/?layers=traffic");
      await expect(page.getByTestId("layer-traffic")).toHaveAttribute("data-status", /^(ok|partial)$/, { timeout: 90_000 });
      await expect(page.getByTestId("city-map")).toHaveAttribute("data-frame", "");
      await expect(page.getByTestId("time-label")).toHaveText(liveWord);
      await page.waitForTimeout(1500);
      const live = await mapPixels(page);

      // 23 hours ago the console was not running: the replayed bucket has no readings, the
      // segments turn grey and the panel says so; the label shows the moment, not "loading".
      const max = Number(await page.getByTestId("time-range").getAttribute("max"));
      await seek(page, max - 23 * 3_600_000);
      await expect(page.getByTestId("layer-traffic")).toHaveAttribute("data-status", "empty");
      await expect(page.getByTestId("time-label")).not.toContainText(loadingWord);
      await expect(page.getByTestId("time-label")).not.toHaveText(liveWord);
      await expect(page).toHaveURL(/t=20\d\d-/);
      await page.waitForTimeout(1500);
      const empty = await mapPixels(page);
      expect(diffPixels(live, empty)).toBeGreaterThan(3000);
      await page.screenshot({ path: path.join(SHOTS, `replay-empty-${locale}.png`) });

      // A minute ago: the console's own readings, replayed.
      await seek(page, max - 60_000);
      await expect(page.getByTestId("layer-traffic")).toHaveAttribute("data-status", /^(ok|partial)$/, { timeout: 30_000 });
      await page.waitForTimeout(1500);
      const replayed = await mapPixels(page);
      expect(diffPixels(empty, replayed)).toBeGreaterThan(3000);
      await page.screenshot({ path: path.join(SHOTS, `replay-recent-${locale}.png`) });

      // Back to 23 hours ago (its chunk is in memory now) and then to live: live values again.
      await seek(page, max - 23 * 3_600_000);
      await expect(page.getByTestId("layer-traffic")).toHaveAttribute("data-status", "empty");
      await page.getByTestId("time-live").click();
      await expect(page.getByTestId("city-map")).toHaveAttribute("data-mode", "live");
      await expect(page.getByTestId("city-map")).toHaveAttribute("data-frame", "");
      await expect(page.getByTestId("time-label")).toHaveText(liveWord);
      await expect(page.getByTestId("layer-traffic")).toHaveAttribute("data-status", /^(ok|partial)$/);
      await page.waitForTimeout(1500);
      const back = await mapPixels(page);
      expect(diffPixels(empty, back)).toBeGreaterThan(3000);
      await page.screenshot({ path: path.join(SHOTS, `replay-live-again-${locale}.png`) });
      await page.context().close();
    });
  }
});
