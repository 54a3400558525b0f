import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./test";
import { clearSpot, decodePng, screenOf, signedIncident } from "./helpers";
import { demoUser, signIn } from "./sign-in";

// The duty officer's operations (issue 15): the alarm list and its severity-1 cue, search with
// fly-to, hover tooltips, asking for access from a hidden layer, and the PNG export's contents,
// each in both languages, with screenshots.

const SHOTS = "e2e/screenshots";
fs.mkdirSync(SHOTS, { recursive: true });
type Lang = "en-US" | "zh-CN";
const LANGS: Lang[] = ["en-US", "zh-CN"];
const L = <T,>(lang: Lang, en: T, zh: T): T => (lang === "en-US" ? en : zh);

async function openAs(browser: Browser, baseURL: string, lang: Lang, departmentId: string | null, role = "official", opts: { acceptDownloads?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ baseURL, locale: lang, viewport: { width: 1400, height: 900 }, ...opts });
  await context.addCookies([{ name: "lang", value: lang === "en-US" ? "en" : "zh-CN", url: baseURL }]);
  const page = await context.newPage();
  if (departmentId) await signIn(page.request, baseURL, demoUser(departmentId, role));
  return page;
}

async function mapCenter(page: Page): Promise<[number, number]> {
  return page.evaluate(() => {
    const m = (window as unknown as { cityBrainMap: { getCenter(): { lng: number; lat: number } } }).cityBrainMap;
    const c = m.getCenter();
    return [c.lng, c.lat] as [number, number];
  });
}

/** Waits until the map has stopped moving (a fly-to ended; frames are slow in software WebGL). */
async function settled(page: Page) {
  // (No map yet, after a reload: it counts as moving.)
  await expect.poll(() => page.evaluate(() => (window as unknown as { cityBrainMap?: { isMoving(): boolean } }).cityBrainMap?.isMoving() ?? true), { timeout: 45_000 }).toBe(false);
  await page.waitForTimeout(400);
}

/** Hovers a point and returns the tooltip's text (it appears once the pointer rests). */
async function hoverTip(page: Page, at: { x: number; y: number }): Promise<string> {
  await page.mouse.move(at.x - 30, at.y - 30);
  await page.mouse.move(at.x, at.y, { steps: 3 });
  await expect(page.getByTestId("map-tooltip")).toBeVisible({ timeout: 10_000 });
  return (await page.getByTestId("map-tooltip").textContent()) ?? "";
}

test.describe("the duty officer's operations", () => {
  for (const lang of LANGS) {
    test(`alarm list with the severity-1 cue, search with fly-to and hover tooltips (${lang})`, async ({ browser, baseURL }) => {
      test.setTimeout(240_000);
      const page = await openAs(browser, baseURL!, lang, "safety");
      await page.goto("/?layers=safety");
      await expect(page.locator("canvas.maplibregl-canvas")).toBeVisible({ timeout: 90_000 });
      const list = page.getByTestId("alarm-list");
      await expect(list).toBeVisible();
      await expect(page.getByTestId("layer-safety")).toHaveAttribute("data-status", /^(ok|partial|empty)$/, { timeout: 30_000 });

      // Sound is off by default; turning it on beeps once (made in the browser) and is remembered.
      await expect(list).toHaveAttribute("data-sound", "off");
      await page.getByTestId("alarm-sound").click();
      await expect(list).toHaveAttribute("data-sound", "on");
      // (The simulator may declare a severity-1 incident of its own at any moment: at least one beep.)
      await expect.poll(async () => Number(await list.getAttribute("data-beeps"))).toBeGreaterThanOrEqual(1);
      expect(await page.evaluate(() => localStorage.getItem("cityBrain.alarmSound"))).toBe("on");

      // A severity-1 incident arrives: it tops the list in red, a banner says so, and it beeps again.
      const beepsBefore = Number(await list.getAttribute("data-beeps"));
      const city = await (await page.request.get("/api/city")).json();
      const incidentId = `inc-e2e-ops-${lang}-${Date.now()}`;
      const sent = await page.request.post("/api/ingest/readings", { data: signedIncident(city.center, incidentId, lang === "en-US" ? 981 : 982) });
      expect(await sent.json()).toMatchObject({ status: "accepted" });
      const item = page.locator(`[data-testid="alarm-item"][data-id="${incidentId}"]`);
      await expect(item).toBeVisible({ timeout: 30_000 });
      await expect(item).toHaveAttribute("data-severity", "1");
      await expect(item).toContainText(L(lang, "S1", "一级"));
      await expect(page.getByTestId("alarm-banner")).toContainText(incidentId);
      await expect(page.getByTestId("alarm-banner")).toContainText(L(lang, "New severity 1", "新的一级告警"));
      await expect.poll(async () => Number(await list.getAttribute("data-beeps"))).toBeGreaterThan(beepsBefore);
      // The KPI tile counts the same open incidents the list shows, severity by severity.
      for (const sev of [1, 2, 3]) {
        await expect
          .poll(async () => {
            const listed = await page.locator(`[data-testid="alarm-item"][data-kind="incident"][data-severity="${sev}"]`).count();
            const tile = Number(((await page.getByTestId(`open-s${sev}`).textContent()) ?? "").replace(/\D+/g, " ").trim().split(" ").pop());
            return tile - listed;
          }, { timeout: 20_000, message: `open incidents of severity ${sev}: KPI tile minus alarm list` })
          .toBe(0);
      }
      // Newest first.
      const ats = await page.getByTestId("alarm-item").evaluateAll((els) => els.map((e) => e.getAttribute("data-at") ?? ""));
      expect(ats).toEqual([...ats].sort().reverse());
      await page.screenshot({ path: path.join(SHOTS, `ops-alarms-${lang}.png`) });

      // A click flies there and opens the feature panel.
      await item.click();
      await expect(page.getByTestId("feature-panel")).toHaveAttribute("data-feature", incidentId);
      await settled(page);
      const c = await mapCenter(page);
      expect(Math.abs(c[0] - city.center[0])).toBeLessThan(0.05);
      await page.screenshot({ path: path.join(SHOTS, `ops-alarm-selected-${lang}.png`) });

      // Tooltips: the incident, a coverage hexagon, then a station, in the UI language.
      const inc = await screenOf(page, city.center);
      const incTip = await hoverTip(page, inc);
      expect(incTip).toContain(incidentId);
      expect(incTip).toContain(L(lang, "accident", "事故"));
      await page.screenshot({ path: path.join(SHOTS, `ops-tooltip-incident-${lang}.png`) });
      const features = await (await page.request.get("/api/map/layers/safety/features")).json();
      const cells = (features.coverage.ids as string[]).map((_, i) => [features.coverage.position[2 * i], features.coverage.position[2 * i + 1]] as [number, number]);
      const cell = await clearSpot(page, cells.slice(0, 4000));
      expect(cell).not.toBeNull();
      expect(await hoverTip(page, { x: cell!.x + 1, y: cell!.y + 1 })).toMatch(L(lang, "Response time", "响应时间"));
      const stations = (features.stations.ids as string[]).map((_, i) => [features.stations.position[2 * i], features.stations.position[2 * i + 1]] as [number, number]);
      const st = await clearSpot(page, stations);
      if (st) expect(await hoverTip(page, st)).toContain(features.stations.ids[st.index]);

      // The sound setting survives a reload; alarms already open at load are listed, not announced.
      await page.reload();
      await expect(page.getByTestId("alarm-list")).toHaveAttribute("data-sound", "on", { timeout: 60_000 });
      // Search flies the map: wait until the reloaded page has one.
      await expect.poll(() => page.evaluate(() => !!(window as unknown as { cityBrainMap?: unknown }).cityBrainMap), { timeout: 60_000 }).toBe(true);
      await expect(page.locator(`[data-testid="alarm-item"][data-id="${incidentId}"]`)).toBeVisible({ timeout: 30_000 });
      await expect(page.getByTestId("alarm-banner")).toHaveCount(0);

      // Search: a district by its name in the other language, a road, the incident by id.
      const other = city.districts[1];
      const input = page.getByTestId("map-search-input");
      await input.fill(lang === "en-US" ? other.nameZh : other.nameEn);
      const first = page.getByTestId("map-search-result").first();
      await expect(first).toHaveAttribute("data-kind", "district");
      await expect(first).toContainText(lang === "en-US" ? other.nameEn : other.nameZh);
      await page.screenshot({ path: path.join(SHOTS, `ops-search-${lang}.png`) });
      await input.press("Enter");
      await settled(page);
      const dc = await mapCenter(page);
      expect(dc[0]).toBeGreaterThan(other.bbox[0] - 0.05);
      expect(dc[0]).toBeLessThan(other.bbox[2] + 0.05);
      const road = (city.roads as { id: string; nameZh: string; nameEn: string }[]).find((r) => r.nameEn.split(" ").length >= 2)!;
      await input.fill(lang === "en-US" ? road.nameZh : road.nameEn.toLowerCase());
      await expect(page.locator(`[data-testid="map-search-result"][data-id="${road.id}"]`)).toContainText(lang === "en-US" ? road.nameEn : road.nameZh);
      await input.fill(incidentId);
      await page.locator(`[data-testid="map-search-result"][data-id="${incidentId}"]`).click();
      await expect(page.getByTestId("feature-panel")).toHaveAttribute("data-feature", incidentId);
      await input.fill("zzz-nothing-like-this");
      await expect(page.getByTestId("map-search-results")).toContainText(L(lang, "Nothing found", "未找到"));

      // A traffic segment's tooltip: road name, speed in km/h.
      await input.fill("");
      await page.getByTestId("layer-toggle-traffic").check();
      await expect(page.getByTestId("layer-traffic")).toHaveAttribute("data-status", /^(ok|partial)$/, { timeout: 30_000 });
      const traffic = await (await page.request.get("/api/map/layers/traffic/features")).json();
      // Segments in the current view (the map is at street zoom around the incident).
      const view = await page.evaluate(() => {
        const b = (window as unknown as { cityBrainMap: { getBounds(): { toArray(): number[][] } } }).cityBrainMap.getBounds().toArray();
        return [b[0][0], b[0][1], b[1][0], b[1][1]];
      });
      const { ids, startIndices, path: coords, freeFlowKmh } = traffic.sensors as { ids: string[]; startIndices: number[]; path: number[]; freeFlowKmh: number[] };
      const mids = ids
        .map((_, i) => {
          const k = startIndices[i] * 2;
          return { i, len: Math.hypot(coords[k + 2] - coords[k], coords[k + 3] - coords[k + 1]), mid: [(coords[k] + coords[k + 2]) / 2, (coords[k + 1] + coords[k + 3]) / 2] as [number, number] };
        })
        .filter((o) => freeFlowKmh[o.i] >= 50 && o.mid[0] > view[0] && o.mid[0] < view[2] && o.mid[1] > view[1] && o.mid[1] < view[3])
        .sort((a, b) => b.len - a.len)
        .slice(0, 80);
      // The first segment in the open whose tooltip names a sensor (another feature may lie on top).
      let segTip = "";
      let rest = mids.map((m) => m.mid);
      for (let k = 0; k < 5 && !segTip.includes("trf-"); k++) {
        const seg = await clearSpot(page, rest);
        expect(seg).not.toBeNull();
        rest = rest.slice(seg!.index + 1);
        segTip = await hoverTip(page, seg!).catch(() => "");
      }
      expect(segTip).toMatch(L(lang, /Speed (\d+ km\/h|: no reading)/, /车速 ?(\d+ 公里\/小时|：?暂无读数|: 暂无读数)/));
      expect(segTip).toContain("trf-");
      await page.screenshot({ path: path.join(SHOTS, `ops-tooltip-traffic-${lang}.png`) });
    });
  }

  for (const lang of LANGS) {
    test(`from a hidden layer an official asks for access: the admin's request form opens prefilled (${lang})`, async ({ browser, baseURL }) => {
      test.setTimeout(180_000);
      const page = await openAs(browser, baseURL!, lang, "traffic");
      await page.goto("/?layers=safety");
      await expect(page.getByTestId("layer-safety")).toHaveAttribute("data-status", /^(hidden|partial)$/, { timeout: 60_000 });
      const button = page.getByTestId("request-access-safety.incidents").first();
      await expect(button).toBeVisible();
      await expect(button).toHaveText(L(lang, "Request access", "申请权限"));
      await page.screenshot({ path: path.join(SHOTS, `ops-request-button-${lang}.png`) });
      await button.click();
      await expect(page).toHaveURL(/\/admin\/grants\?request=safety\.incidents&scope=anonymized&purpose=/);
      // An official cannot send requests: the page says to pass the link to the department's admin.
      await expect(page.getByTestId("request-draft")).toContainText(L(lang, "Public safety incidents", "公共安全事件"));
      await expect(page.getByTestId("request-draft")).toContainText(L(lang, "Duty officer's city map: the Public safety layer", "值班员城市地图：公共安全图层"));
      await page.screenshot({ path: path.join(SHOTS, `ops-request-official-${lang}.png`) });
      const link = await page.getByTestId("request-draft-link").inputValue();

      // A feature of a layer the official may not read: its tooltip says "no access", not "no reading".
      const energyOnly = await openAs(browser, baseURL!, lang, "traffic");
      await energyOnly.goto("/?layers=energy");
      await expect(energyOnly.getByTestId("layer-energy")).toHaveAttribute("data-status", "hidden", { timeout: 60_000 });
      await settled(energyOnly);
      const energy = await (await energyOnly.request.get("/api/map/layers/energy/features")).json();
      const subs = (energy.substations.ids as string[]).map((_, i) => [energy.substations.position[2 * i], energy.substations.position[2 * i + 1]] as [number, number]);
      const sub = await clearSpot(energyOnly, subs);
      expect(sub).not.toBeNull();
      const subTip = await hoverTip(energyOnly, sub!);
      expect(subTip).toContain(energy.substations.ids[sub!.index]);
      expect(subTip).toContain(L(lang, "Load: no access", "负载：无权限"));
      await energyOnly.screenshot({ path: path.join(SHOTS, `ops-tooltip-no-access-${lang}.png`) });
      await energyOnly.context().close();

      // The department's admin opens the link: the request form is prefilled.
      const admin = await openAs(browser, baseURL!, lang, "traffic", "dept_admin");
      await admin.goto(link);
      const form = admin.getByTestId("request-form");
      await expect(form).toHaveAttribute("data-prefilled", "safety.incidents");
      await expect(admin.getByTestId("request-dataset-safety.incidents")).toBeChecked();
      await expect(admin.getByTestId("request-scope-anonymized")).toBeChecked();
      await expect(admin.getByTestId("request-purpose")).toHaveValue(L(lang, "Duty officer's city map: the Public safety layer", "值班员城市地图：公共安全图层"));
      await expect(admin.getByTestId("request-prefilled")).toBeVisible();
      // The prefilled form comes first on the page.
      const formBox = (await form.boundingBox())!;
      expect(formBox.y).toBeLessThan(400);
      await admin.screenshot({ path: path.join(SHOTS, `ops-request-admin-${lang}.png`) });
    });
  }

  for (const lang of LANGS) {
    test(`the PNG export carries legend, KPIs, time and basis, named by the city's local time (${lang})`, async ({ browser, baseURL }) => {
      test.setTimeout(180_000);
      const page = await openAs(browser, baseURL!, lang, "energy", "official", { acceptDownloads: true });
      await page.goto("/?layers=energy");
      await expect(page.getByTestId("layer-energy")).toHaveAttribute("data-status", "ok", { timeout: 60_000 });
      await expect(page.getByTestId("kpi-load")).toHaveAttribute("data-state", "ok");
      await page.waitForTimeout(1500);
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-png").click()]);
      const name = download.suggestedFilename();
      const m = /^city-brain-(\d{4}-\d\d-\d\d)-(\d\d)(\d\d)-UTC\+08-live-energy\.png$/.exec(name);
      expect(m, name).not.toBeNull();
      // The city's local time (UTC+8), whatever the browser's zone.
      const local = new Date(Date.now() + 8 * 3_600_000);
      expect(m![1]).toBe(local.toISOString().slice(0, 10));
      const minutes = Number(m![2]) * 60 + Number(m![3]);
      expect(Math.abs(minutes - (local.getUTCHours() * 60 + local.getUTCMinutes()))).toBeLessThanOrEqual(2);
      const file = path.join(SHOTS, `ops-export-${lang}.png`);
      fs.copyFileSync((await download.path())!, file);
      const png = decodePng(fs.readFileSync(file));
      const canvas = (await page.locator("canvas.maplibregl-canvas").boundingBox())!;
      expect(png.width).toBe(Math.round(canvas.width));
      // The caption band: title, time line and one basis line.
      expect(png.height).toBe(Math.round(canvas.height) + 28 + 20 * 2);
      // The legend is painted where the page shows it: the load ramp's colours are in the PNG at that spot.
      const bar = (await page.getByTestId("legend-energy").locator(".legend-bar").first().boundingBox())!;
      const px = (x: number, y: number) => {
        const i = (Math.round(y) * png.width + Math.round(x)) * 4;
        return [png.data[i], png.data[i + 1], png.data[i + 2]];
      };
      const left = px(bar.x - canvas.x + 3, bar.y - canvas.y + bar.height / 2);
      const right = px(bar.x - canvas.x + bar.width - 3, bar.y - canvas.y + bar.height / 2);
      expect(Math.abs(left[0] - right[0]) + Math.abs(left[1] - right[1]) + Math.abs(left[2] - right[2])).toBeGreaterThan(60);
    });
  }
});
