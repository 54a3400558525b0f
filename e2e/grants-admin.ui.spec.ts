// The department admin's grant lifecycle in the console, in both languages: the emergency admin
// requests raw grid load for a few fields, a data window and an area drawn on the map; the
// energy admin approves narrower (aggregated, one field, a shorter window, a smaller circle drawn
// inside the requested one, 6 hours) and revokes; the grant's page shows the requested and the
// approved terms side by side, its area, the revoked state and every step linked to the ledger.
import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./test";
import { demoUser, signIn } from "./sign-in";
import { toCityInput } from "../lib/i18n/city-time";

const SHOTS = "e2e/screenshots";
const CITY_OFFSET = 480; // Yantai, UTC+8
const HOUR = 3_600_000;
type Lang = "en" | "zh-CN";
const L = (lang: Lang, en: string | RegExp, zh: string | RegExp) => (lang === "en" ? en : zh);
const cityInput = (msFromNow: number) => toCityInput(new Date(Date.now() + msFromNow), CITY_OFFSET);

async function openAs(browser: Browser, baseURL: string, lang: Lang, departmentId: string, role: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, locale: lang === "en" ? "en-US" : "zh-CN", viewport: { width: 1400, height: 900 } });
  await context.addCookies([{ name: "lang", value: lang, url: baseURL }]);
  const page = await context.newPage();
  await signIn(page.request, baseURL, demoUser(departmentId, role));
  return page;
}

/** Clicks a map picker's map `dx`, `dy` pixels from its middle, once its map has loaded. */
async function clickMap(page: Page, testId: string, dx = 0, dy = 0) {
  const canvas = page.getByTestId(testId).locator("canvas.maplibregl-canvas");
  await expect(canvas).toBeVisible();
  await page.waitForFunction((id) => !!document.querySelector(`[data-testid="${id}"] .maplibregl-canvas`), testId);
  const box = (await canvas.boundingBox())!;
  await canvas.click({ position: { x: box.width / 2 + dx, y: box.height / 2 + dy } });
  await expect(page.getByTestId(testId)).not.toHaveAttribute("data-value", "");
}

for (const lang of ["en", "zh-CN"] as const) {
  test(`grant lifecycle (${lang}): request with a window and an area, approve narrower on the map, revoke, history shows requested vs approved`, async ({ browser, baseURL }) => {
    // Emergency asks (not traffic: e2e/grants.ui.spec.ts starts from traffic holding no grant on energy.load).
    const askerAdmin = await openAs(browser, baseURL!, lang, "emergency", "dept_admin");
    const energyAdmin = await openAs(browser, baseURL!, lang, "energy", "dept_admin");
    const purpose = `lifecycle e2e ${lang} ${Date.now()}`;
    fs.mkdirSync(SHOTS, { recursive: true });

    // 1. The request: dataset and fields from the catalogue, raw, a data window, an area drawn on the map.
    await askerAdmin.goto("/admin/grants");
    await askerAdmin.getByTestId("request-dataset-energy.load").check();
    await expect(askerAdmin.getByTestId("request-dataset")).toContainText(L(lang, "Grid load and renewable production", "电网负荷与新能源出力"));
    // Each dataset says what the department reads of it already (the catalogue's access check).
    await expect(askerAdmin.getByTestId("request-dataset-access-safety.cameras")).toContainText(L(lang, /hidden|grant/, /不可见|授权/));
    await askerAdmin.getByTestId("request-scope-raw").check();
    await expect(askerAdmin.getByTestId("request-scope")).toContainText(L(lang, "device ids, exact places and times", "含设备编号"));
    for (const box of await askerAdmin.getByTestId("request-fields").locator("input[type=checkbox]").all()) {
      const id = (await box.getAttribute("data-testid"))!.replace("request-fields-", "");
      if (id === "loadMw" || id === "utilisation") await box.check();
      else await box.uncheck();
    }
    await askerAdmin.getByTestId("request-purpose").fill(purpose);
    await askerAdmin.getByTestId("request-window-from").fill(cityInput(-48 * HOUR));
    await askerAdmin.getByTestId("request-window-until").fill(cityInput(24 * HOUR));
    await askerAdmin.getByTestId("request-limit-area").check();
    await clickMap(askerAdmin, "request-area");
    await askerAdmin.getByTestId("map-picker-radius").fill("3000");
    await expect(askerAdmin.getByTestId("request-area")).toHaveAttribute("data-value", /"radiusM":3000/);
    await askerAdmin.screenshot({ path: path.join(SHOTS, `grants-request-${lang}.png`), fullPage: true });
    await askerAdmin.getByTestId("request-submit").click();
    // Sent: the form is cleared and the message says the request waits for the owner.
    await expect(askerAdmin.getByTestId("request-message")).toContainText(L(lang, "waits for the approval of the admin of State Grid Yantai", "等待国网烟台供电公司管理员批准"));
    await expect(askerAdmin.getByTestId("request-purpose")).toHaveValue("");
    await expect(askerAdmin.getByTestId("request-limit-area")).not.toBeChecked();
    const { grants } = (await (await askerAdmin.request.get("/api/grants?direction=outgoing&state=pending&limit=50")).json()) as { grants: { id: string; purpose: string; area: unknown }[] };
    const asked = grants.find((g) => g.purpose === purpose)!;
    expect(asked.area).toMatchObject({ radiusM: 3000 });
    const id = asked.id;

    // 2. The owner: a labelled badge, the request with who asked and when.
    await energyAdmin.goto("/admin/grants");
    await expect(energyAdmin.getByTestId("grant-notifications")).toContainText(L(lang, /requests? awaits? you/, "项申请待您审批"));
    const pending = energyAdmin.getByTestId("incoming").getByTestId(`grant-${id}`);
    await expect(pending.getByTestId("asked-by")).toContainText(L(lang, "Emergency Management Bureau", "应急管理局"));
    await expect(pending.getByTestId("asked-by")).toContainText("(UTC+08)");
    await energyAdmin.getByTestId("incoming").screenshot({ path: path.join(SHOTS, `grants-incoming-${lang}.png`) });
    await energyAdmin.locator("header").screenshot({ path: path.join(SHOTS, `grants-badge-${lang}.png`) });

    // 3. Approve narrower: aggregated, one field, a shorter window, a smaller circle inside the requested one, 6 hours.
    await energyAdmin.getByTestId(`approve-${id}`).click();
    await expect(energyAdmin.getByTestId(`approve-scope-${id}-raw`)).toBeChecked();
    await energyAdmin.getByTestId(`approve-scope-${id}-aggregated`).check();
    await expect(energyAdmin.getByTestId(`approve-fields-${id}-voltageKv`)).toHaveCount(0); // not requested, not offered
    await energyAdmin.getByTestId(`approve-fields-${id}-utilisation`).uncheck();
    await energyAdmin.getByTestId(`approve-window-${id}-from`).fill(cityInput(-24 * HOUR));
    await energyAdmin.getByTestId(`approve-window-${id}-until`).fill(cityInput(-2 * HOUR));
    await energyAdmin.getByTestId(`approve-valid-until-${id}`).fill(cityInput(6 * HOUR));
    const area = `approve-area-${id}`;
    await clickMap(energyAdmin, area, 20, -10);
    await energyAdmin.getByTestId(area).getByTestId("map-picker-radius").fill("1000");
    await expect(energyAdmin.getByTestId(area)).toHaveAttribute("data-value", /"radiusM":1000/);
    await energyAdmin.waitForTimeout(500); // the circle drawn before the picture
    await energyAdmin.getByTestId(`approve-form-${id}`).screenshot({ path: path.join(SHOTS, `grants-approve-${lang}.png`) });
    await energyAdmin.getByTestId(`approve-confirm-${id}`).click();
    const activeRow = energyAdmin.getByTestId("own-datasets").getByTestId(`grant-${id}`);
    await expect(activeRow).toHaveAttribute("data-status", "active");
    const { grant } = await (await energyAdmin.request.get(`/api/grants/${id}`)).json();
    expect(grant).toMatchObject({ scope: "aggregated", fields: ["loadMw"], area: { radiusM: 1000 }, requestedTerms: { scope: "raw", area: { radiusM: 3000 } } });
    // Granted for 6 hours: that end was the decision, nothing to act on.
    const notes = await (await energyAdmin.request.get("/api/grants/notifications")).json();
    expect(notes.expiringSoon.map((g: { id: string }) => g.id)).not.toContain(id);
    expect(notes.incoming.map((g: { id: string }) => g.id)).not.toContain(id);

    // 4. Revoke; the grant stays browsable under "ended".
    await activeRow.getByTestId(`revoke-${id}`).click();
    await energyAdmin.getByTestId(`reason-${id}`).fill("study finished");
    await energyAdmin.getByTestId(`revoke-confirm-${id}`).click();
    await expect(activeRow).toHaveCount(0);
    await energyAdmin.getByTestId("own-datasets-state-ended").click();
    await expect(energyAdmin.getByTestId("own-datasets").getByTestId(`grant-${id}`)).toHaveAttribute("data-status", "revoked");
    await energyAdmin.getByTestId("own-datasets").screenshot({ path: path.join(SHOTS, `grants-ended-${lang}.png`) });

    // 5. The grant's own page: requested vs approved, its area on the map, the revoked state, each step linked to the ledger.
    await energyAdmin.getByTestId("own-datasets").getByTestId(`grant-link-${id}`).click();
    await expect(energyAdmin).toHaveURL(new RegExp(`/admin/grants\\?grant=${id}$`));
    const detail = energyAdmin.getByTestId("grant-detail");
    await expect(detail).toHaveAttribute("data-status", "revoked");
    await expect(detail.getByTestId("grant-detail-status")).toHaveText(L(lang, "revoked", "已撤销"));
    await expect(detail.getByTestId("terms-scope-requested")).toHaveText(L(lang, "raw", "原始"));
    await expect(detail.getByTestId("terms-scope-approved")).toContainText(L(lang, "aggregated", "汇总"));
    for (const k of ["scope", "fields", "window", "area", "validUntil"]) await expect(detail.getByTestId(`terms-${k}`)).toHaveAttribute("data-narrowed", "true");
    await expect(detail.getByTestId("terms-area-requested")).toContainText(L(lang, "3,000 m", "3,000 米"));
    await expect(detail.getByTestId("terms-area-approved")).toContainText(L(lang, "1,000 m", "1,000 米"));
    await expect(detail.getByTestId("grant-area-map")).toHaveAttribute("data-value", /"radiusM":1000/);
    await expect(detail.getByTestId("history-row")).toHaveCount(3);
    expect(await detail.getByTestId("history-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-action")))).toEqual(["request", "approve", "revoke"]);
    await expect(detail.getByTestId("history-row").nth(2)).toContainText("study finished");
    const leaf = detail.getByTestId("history-leaf").first();
    await expect(leaf).toHaveAttribute("href", /^\/audit\/entries\/\d+$/);
    await expect(detail.locator("canvas.maplibregl-canvas")).toBeVisible();
    await energyAdmin.waitForTimeout(1000);
    await detail.screenshot({ path: path.join(SHOTS, `grants-detail-${lang}.png`) });
    await energyAdmin.screenshot({ path: path.join(SHOTS, `grants-admin-page-${lang}.png`), fullPage: true });

    // The leaf opens the in-app entry viewer.
    const href = (await leaf.getAttribute("href"))!;
    await leaf.click();
    await expect(energyAdmin).toHaveURL(new RegExp(`${href}$`));
  });
}
