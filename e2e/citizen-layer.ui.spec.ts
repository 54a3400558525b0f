import fs from "node:fs";
import { expect, test } from "./test";
import { demoUser, signIn } from "./sign-in";
import { fillReport } from "./citizen";
import { mapPixels, screenOf } from "./helpers";
import type { Page } from "@playwright/test";

const SHOTS = "test-results/citizen-layer";
const desktop = (lang: "zh-CN" | "en") => ({ locale: lang === "en" ? "en-US" : "zh-CN", viewport: { width: 1400, height: 900 } });

/** The citizen layer's category colours (components/map/citizen-layers.ts). */
const COLOUR: Record<string, [number, number, number]> = { pothole: [230, 159, 0], streetlight: [240, 228, 66] };

/** Pixels of the map canvas within `r` px of a screen point whose colour is within `tol` of `rgb`. */
async function colouredAround(page: Page, at: { x: number; y: number }, rgb: [number, number, number], r = 14, tol = 48): Promise<number> {
  const png = await mapPixels(page);
  const box = (await page.locator("canvas.maplibregl-canvas").boundingBox())!;
  const scale = png.width / box.width;
  const cx = Math.round((at.x - box.x) * scale), cy = Math.round((at.y - box.y) * scale);
  let n = 0;
  for (let y = Math.max(0, cy - r * scale); y < Math.min(png.height, cy + r * scale); y++)
    for (let x = Math.max(0, cx - r * scale); x < Math.min(png.width, cx + r * scale); x++) {
      const i = (y * png.width + x) * 4;
      if (Math.abs(png.data[i] - rgb[0]) < tol && Math.abs(png.data[i + 1] - rgb[1]) < tol && Math.abs(png.data[i + 2] - rgb[2]) < tol) n++;
    }
  return n;
}

// The citizen-reports layer (市民上报), in both languages: a citizen files a report of a
// non-safety category in the browser, the owning department confirms it in triage; on the
// map the 12345 centre (which owns reports.citizen) turns the layer on and sees the report
// drawn at its public position in its category's colour, opens it in the feature panel (its
// public page and ledger receipt) and finds it by id in the search. The confirming department,
// without a grant of reports.citizen, sees the layer hidden, with the reason and a request link.
for (const lang of ["zh-CN", "en"] as const) {
  test(`a confirmed citizen report appears on the citizen-reports layer (${lang})`, async ({ browser, baseURL }) => {
    const en = lang === "en";
    fs.mkdirSync(SHOTS, { recursive: true });
    const [service, owner, categoryName] = en ? (["streetlight", "energy", "Broken streetlight"] as const) : (["pothole", "traffic", "路面坑洼"] as const);
    const ctx = async () => {
      const c = await browser.newContext({ baseURL, ...desktop(lang) });
      await c.addCookies([{ name: "lang", value: lang, url: baseURL! }]);
      return c;
    };
    const citizen = await (await ctx()).newPage();
    const official = await (await ctx()).newPage();
    const center = await (await ctx()).newPage();
    await signIn(official.request, baseURL!, demoUser(owner, "official"));
    await signIn(center.request, baseURL!, demoUser("citizen", "official"));

    // The citizen files the report with the browser's key.
    const description = en ? `Streetlight out at the corner ${Date.now()}` : `路口路面坑洼 ${Date.now()}`;
    await fillReport(citizen, { service, description, dx: en ? 60 : -60 });
    await citizen.getByTestId("report-submit").click();
    await expect(citizen.getByTestId("report-receipt")).toBeVisible();
    const id = (await citizen.getByTestId("receipt-id").textContent())!.trim();

    // Not confirmed yet: not on the layer.
    const latest = async () => (await (await center.request.get("/api/map/layers/citizen/latest")).json()) as { reports: { id: string; position: [number, number] }[] | null };
    expect((await latest()).reports!.map((r) => r.id)).not.toContain(id);

    // The owning department confirms it in triage.
    await official.goto("/triage");
    const card = official.locator(`[data-testid="triage-report"][data-id="${id}"]`);
    await expect(card).toContainText(description);
    await card.getByTestId("triage-confirm").click();
    await expect(card).toHaveAttribute("data-status", "confirmed");
    const exact = ((await (await official.request.get("/api/citizen/triage?status=all")).json()) as { id: string; exact: [number, number] }[]).find((r) => r.id === id)!.exact;

    // The confirming department may not read reports.citizen: the layer is hidden, says why, and offers a request.
    await official.goto("/?layers=citizen");
    const denied = official.getByTestId("layer-citizen");
    await expect(denied).toHaveAttribute("data-status", "hidden");
    await expect(official.getByTestId("layer-denied-reports.citizen")).toBeVisible();
    await expect(official.getByTestId("request-access-reports.citizen")).toBeVisible();
    await expect(denied.locator(".layer-name")).toHaveText(en ? "Citizen reports" : "市民上报");
    await official.screenshot({ path: `${SHOTS}/citizen-layer-hidden-${lang}.png` });
    // One map drawing at a time: software WebGL on two cores.
    await official.goto("about:blank");

    // The 12345 centre: the report is on the layer at its coarsened position, not the exact one.
    const mine = (await latest()).reports!.find((r) => r.id === id)!;
    expect(mine).toBeTruthy();
    expect(mine.position).toEqual([Number(exact[0].toFixed(3)), Number(exact[1].toFixed(3))]);
    expect(mine.position).not.toEqual(exact);

    await center.goto("/");
    await expect(center.getByTestId("city-map")).toHaveAttribute("data-ready", "1", { timeout: 60_000 });
    await center.getByTestId("layer-toggle-traffic").uncheck();
    await center.getByTestId("layer-toggle-citizen").check();
    await expect(center.getByTestId("city-map")).toHaveAttribute("data-layers", "citizen");
    await expect(center.getByTestId("layer-citizen")).toHaveAttribute("data-status", "ok");
    await expect(center.getByTestId("legend-citizen")).toBeVisible();
    await expect(center.getByTestId(`legend-citizen-${service}`)).toContainText(categoryName);
    // The view is in the URL.
    await expect.poll(() => new URL(center.url()).searchParams.get("layers")).toBe("citizen");

    await center.evaluate((c) => (window as unknown as { cityBrainMap: { jumpTo(v: unknown): void } }).cityBrainMap.jumpTo({ center: c, zoom: 15.5 }), mine.position);
    await center.waitForTimeout(1500);
    const at = await screenOf(center, mine.position);
    await expect.poll(() => colouredAround(center, at, COLOUR[service]), { timeout: 20_000 }).toBeGreaterThan(20);
    await center.screenshot({ path: `${SHOTS}/citizen-layer-${lang}.png` });

    // Hover names the category; a click opens the report's public facts with its page and receipt.
    await center.mouse.move(at.x, at.y);
    await center.mouse.click(at.x, at.y);
    const panel = center.getByTestId("feature-panel");
    await expect(panel).toHaveAttribute("data-feature", `citizen-${id}`);
    const facts = panel.getByTestId("feature-citizen");
    await expect(facts).toHaveAttribute("data-report", id);
    await expect(facts.getByTestId("feature-name")).toHaveText(categoryName);
    await expect(facts.getByTestId("citizen-report-status")).toContainText(en ? "Confirmed · under 24 h" : "已确认 · 24小时内");
    await expect(facts.getByTestId("citizen-report-page")).toHaveAttribute("href", `/report/${id}`);
    await expect(facts.getByTestId("citizen-report-proof")).toHaveAttribute("href", new RegExp(`/api/citizen/reports/${id}/receipt\\?leaf=\\d+`));
    await expect(facts.getByTestId("feature-owner")).toHaveText(en ? "State Grid Yantai Power Supply Company" : "交通运输局");
    await center.screenshot({ path: `${SHOTS}/citizen-layer-panel-${lang}.png` });
    // No raw category code in the Chinese UI.
    if (!en) expect(await center.locator("body").innerText()).not.toContain(service);

    // Search by the report's id opens it.
    await center.getByTestId("feature-close").click();
    await center.getByTestId("map-search-input").fill(id.slice(0, 8));
    const hit = center.locator(`[data-testid="map-search-result"][data-kind="report"][data-id="${id}"]`);
    await expect(hit).toContainText(categoryName);
    await center.screenshot({ path: `${SHOTS}/citizen-layer-search-${lang}.png` });
    await hit.click();
    await expect(panel).toHaveAttribute("data-feature", `citizen-${id}`);
    await expect(panel.getByTestId("feature-citizen")).toHaveAttribute("data-report", id);
    // The search flew there: the marker (unselected, in its colour) is where the map now puts it.
    await center.waitForTimeout(2000);
    await center.getByTestId("feature-close").click();
    const there = await screenOf(center, mine.position);
    await expect.poll(() => colouredAround(center, there, COLOUR[service]), { timeout: 20_000 }).toBeGreaterThan(20);

    // Resolved: it leaves the layer, the open map told by the live stream.
    const resolved = await official.request.post(`/api/citizen/reports/${id}/status`, { data: { action: "resolve", note: en ? "Lamp replaced" : "已修复" }, headers: { origin: baseURL! } });
    expect(resolved.status(), await resolved.text()).toBe(200);
    await expect.poll(async () => (await latest()).reports!.map((r) => r.id)).not.toContain(id);
    await expect.poll(() => colouredAround(center, there, COLOUR[service]), { timeout: 20_000 }).toBeLessThan(5);
    await center.screenshot({ path: `${SHOTS}/citizen-layer-resolved-${lang}.png` });
  });
}
