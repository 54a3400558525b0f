import fs from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { expect, test } from "./test";
import { E2E_DATA_DIR, E2E_PORT } from "./config";
import { startOwnConsole, type OwnConsole } from "./own-console";
import { demoUser, signIn } from "./helpers";

// Issue 15, history from the first minute: a console of its own (fresh embedded database,
// a small city) started with SIM_BACKFILL_HOURS=1. The suite's consoles backfill nothing
// (playwright.config.ts), so only this spec pays for it. The progress indicator appears above
// the replay slider in both languages and goes when the hour is filled; a traffic sensor's
// series then has points from before the console started, and replaying 50 minutes back draws
// traffic.
//
// The backfill starts SIM_BACKFILL_DELAY_S after the first tick: long enough here for both pages
// to be signed in and on the map while it still waits (a page that saw it waiting shows it
// running, or done for a moment). With the default 10 s, on a busy CI machine the small city's
// hour was sent before the second page had its map, which then rightly showed nothing.

const PORT = E2E_PORT + 7;
const DATA_DIR = `${E2E_DATA_DIR}-backfill`;
const base = `http://127.0.0.1:${PORT}`;
const SHOTS = "e2e/screenshots";
let own: OwnConsole | null = null;
let startedAt = 0;

type Health = { backfill: { state: string; total: number; sent: number; hours: number; from: string | null } };

test.describe("history from the first minute", () => {
  // A third console beside the suite's on a shared 2-core machine.
  test.describe.configure({ timeout: 600_000 });

  test.beforeAll(async () => {
    fs.rmSync(DATA_DIR, { recursive: true, force: true });
    fs.mkdirSync(DATA_DIR, { recursive: true });
    startedAt = Date.now();
    own = await startOwnConsole({
      port: PORT,
      dataDir: DATA_DIR,
      env: {
        SIM_INTERVAL_MS: "1000",
        SIM_BACKFILL_HOURS: "1",
        SIM_BACKFILL_DELAY_S: "90",
        CITY_SIZE: "0.3",
      },
      timeoutMs: 540_000,
      intervalMs: 2000,
    });
  });
  test.afterAll(async () => {
    await own?.stop();
  });

  const open = async (page: Page, lang: "en" | "zh") => {
    await page.context().addCookies([{ name: "lang", value: lang === "zh" ? "zh-CN" : "en", url: base }]);
    await signIn(page, base, demoUser(DATA_DIR, "traffic"));
    await page.goto(`${base}/?layers=traffic`);
  };

  test("the progress indicator shows the backfill in both languages and goes when it ends; charts and replay then reach before the start", async ({ browser }) => {
    const en = await (await browser.newContext({ baseURL: base, viewport: { width: 1400, height: 900 } })).newPage();
    const zh = await (await browser.newContext({ baseURL: base, viewport: { width: 1400, height: 900 } })).newPage();
    await Promise.all([open(en, "en"), open(zh, "zh")]);
    await Promise.all([en, zh].map((p) => expect(p.getByTestId("time-slider")).toBeVisible({ timeout: 60_000 })));
    const health = async () => (await (await fetch(`${base}/api/health`)).json()) as Health;
    // Both maps are up before the backfill starts (they would show nothing of one that ended before them).
    expect((await health()).backfill.state).toBe("waiting");

    // Running: the bar with a percentage, in each language. A small city's hour can fill
    // between two polls of a busy page: then the page that saw it waiting says it is done.
    const bar = en.getByTestId("backfill-progress");
    const zbar = zh.getByTestId("backfill-progress");
    await Promise.all([bar, zbar].map((b) => expect(b).toHaveAttribute("data-state", /running|done/, { timeout: 180_000 })));
    await expect(bar).toContainText(/Filling history|History filled/);
    await expect(zbar).toContainText(/正在补录历史数据|历史数据已补录/);
    await Promise.all([en.screenshot({ path: path.join(SHOTS, "backfill-en.png") }), zh.screenshot({ path: path.join(SHOTS, "backfill-zh.png") })]);
    if ((await bar.getAttribute("data-state")) === "running") await expect(bar).toContainText(/%|History filled/);
    // The Chinese page is not needed until the replay: a live map left drawing in software WebGL
    // slows the English page's next steps on a 2-core machine.
    await zh.goto("about:blank");
    const running = await health();
    expect(running.backfill.hours).toBe(1);
    expect(running.backfill.total).toBeGreaterThan(0);

    // Ends: "done" for a moment (this page may already be past it), then nothing.
    await expect
      .poll(async () => (await bar.count()) === 0 || (await bar.getAttribute("data-state")) === "done", { timeout: 300_000, intervals: [500] })
      .toBe(true);
    await expect(bar).toBeHidden({ timeout: 30_000 });
    const done = await health();
    expect(done.backfill).toMatchObject({ state: "done", sent: done.backfill.total });
    expect(own!.output()).toMatch(/backfill: [\d,]+ readings sent in \d+ s/);

    // The 24 h series of a traffic sensor has points from before the console started.
    const sensor = (await (await en.request.get(`${base}/api/traffic/sensors`)).json()) as { sensors?: { id: string }[] } | { id: string }[];
    const ids = Array.isArray(sensor) ? sensor.map((s) => s.id) : (sensor.sensors ?? []).map((s) => s.id);
    expect(ids.length).toBeGreaterThan(0);
    let before = 0;
    for (const id of ids.slice(0, 5)) {
      const f = (await (await en.request.get(`${base}/api/map/features/${id}`)).json()) as { series: { from: string; bucketS: number; fields: { key: string; values: (number | null)[] }[] } | null };
      if (!f.series) continue;
      const from = Date.parse(f.series.from);
      const values = f.series.fields[0].values;
      before += values.filter((v, i) => v !== null && from + (i + 1) * f.series!.bucketS * 1000 <= startedAt).length;
    }
    // Five sensors × about 11 five-minute buckets of the hour before the start.
    expect(before).toBeGreaterThanOrEqual(5 * 8);

    // Replaying 50 minutes back draws traffic (the hour before the start), and the label says no history is missing.
    const at = Math.round((startedAt - 50 * 60_000) / 60_000) * 60_000;
    await en.goto(`${base}/?layers=traffic&t=${new Date(at).toISOString()}`);
    await expect(en.getByTestId("time-slider")).toHaveAttribute("data-mode", "replay", { timeout: 60_000 });
    await expect(en.getByTestId("layer-traffic")).toHaveAttribute("data-status", /ok|partial/, { timeout: 60_000 });
    await expect(en.getByTestId("time-label")).not.toContainText("unavailable");
    await en.screenshot({ path: path.join(SHOTS, "backfill-replay-en.png") });

    // With layers the traffic official cannot read switched on, the label still speaks only of
    // history that is missing: energy and public safety are hidden (the panel says so), not unavailable.
    await en.goto(`${base}/?layers=traffic,energy,safety&t=${new Date(at).toISOString()}`);
    await expect(en.getByTestId("layer-traffic")).toHaveAttribute("data-status", /ok|partial/, { timeout: 60_000 });
    await expect(en.getByTestId("layer-energy")).toHaveAttribute("data-status", "hidden");
    await expect(en.getByTestId("time-label")).not.toContainText("·");
    await zh.goto(`${base}/?layers=traffic,energy,safety&t=${new Date(at).toISOString()}`);
    await expect(zh.getByTestId("layer-energy")).toHaveAttribute("data-status", "hidden", { timeout: 60_000 });
    await expect(zh.getByTestId("time-label")).not.toContainText("历史数据不可用");
    await zh.screenshot({ path: path.join(SHOTS, "backfill-replay-hidden-zh.png") });
  });
});
