// A device's key history in the devices admin: every key it has had, how each came in and
// ended with the ledgered reasons, each change linked to its ledger entry; in both languages.
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "./test";
import { pageAs } from "./sign-in";
import { signerFromSeed } from "../lib/sim/simulator-keys";

const SHOTS = "e2e/screenshots";
const DEVICE = "trf-000020";
const b64 = (seed: number) => Buffer.from(signerFromSeed(new Uint8Array(32).fill(seed)).publicKey).toString("base64");

test("the key history of a device after a rotation, a revocation and a reinstatement, linked to the ledger, in both languages", async ({ browser, baseURL }) => {
  const page = await pageAs(browser, baseURL!, "traffic", "dept_admin");
  const post = async (url: string, data: unknown) => {
    const res = await page.request.post(url, { data, headers: { origin: baseURL! } });
    expect(res.status(), await res.text()).toBe(200);
  };
  await post(`/api/devices/${DEVICE}/rotate`, { publicKey: b64(91), reason: "e2e: scheduled rotation" });
  await post(`/api/devices/${DEVICE}/revoke`, { reason: "e2e: key found on a stolen laptop" });
  await post(`/api/devices/${DEVICE}/rotate`, { publicKey: b64(92), reinstate: true, reason: "e2e: detector re-flashed" });
  const api = await (await page.request.get(`/api/devices/${DEVICE}/history`)).json();
  expect(api.total).toBe(3);
  const [now, stolen, first] = api.keys as { fingerprint: string; from: { action: string; leaf: number; at: string }; until: { action: string; leaf: number } | null }[];
  expect([now.from.action, now.until]).toEqual(["reinstate", null]);
  expect([stolen.from.action, stolen.until?.action]).toEqual(["rotate", "revoke"]);
  expect([first.from.action, first.until?.action]).toEqual(["register", "rotate"]);

  const open = async () => {
    await page.goto("/admin/devices");
    await page.getByRole("searchbox").fill(DEVICE);
    await page.getByTestId(`history-toggle-${DEVICE}`).click();
    const panel = page.getByTestId(`key-history-${DEVICE}`);
    await expect(panel.locator("tbody tr")).toHaveCount(3);
    return panel;
  };
  fs.mkdirSync(SHOTS, { recursive: true });

  await page.context().addCookies([{ name: "lang", value: "en", url: baseURL! }]);
  let panel = await open();
  const rows = panel.locator("tbody tr");
  await expect(rows.nth(0)).toContainText("reinstated");
  await expect(rows.nth(0)).toContainText("reason: e2e: detector re-flashed");
  await expect(rows.nth(0)).toContainText("current key");
  await expect(rows.nth(1)).toContainText("rotated in");
  await expect(rows.nth(1)).toContainText("revoked");
  await expect(rows.nth(1)).toContainText("reason: e2e: key found on a stolen laptop");
  await expect(rows.nth(2)).toContainText("registered");
  await expect(rows.nth(2)).toContainText("rotated out");
  await expect(rows.nth(2)).toContainText("reason: e2e: scheduled rotation");
  for (const [i, k] of [now, stolen, first].entries()) await expect(rows.nth(i).locator("td").first()).toHaveText(k.fingerprint);
  // Times in the city's local time (UTC+8), whatever the browser's zone.
  const local = new Date(Date.parse(now.from.at) + 8 * 3600_000).toISOString();
  await expect(rows.nth(0)).toContainText(`${local.slice(5, 7)}/${local.slice(8, 10)}/${local.slice(0, 4)}, ${local.slice(11, 16)}`);
  await page.getByTestId(`device-${DEVICE}`).scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, "device-key-history-en.png"), fullPage: true });

  // Each change links to its ledger entry, which the entry viewer shows and verifies.
  const link = panel.getByTestId(`key-event-${stolen.until!.leaf}`).getByRole("link");
  await expect(link).toHaveAttribute("href", `/audit/entries/${stolen.until!.leaf}`);
  await link.click();
  await expect(page.getByTestId("entry-viewer")).toBeVisible();
  await expect(page.getByTestId("entry-fields")).toContainText("e2e: key found on a stolen laptop");
  await expect(page.getByTestId("entry-fields")).toContainText("revoke");

  await page.context().addCookies([{ name: "lang", value: "zh-CN", url: baseURL! }]);
  panel = await open();
  await expect(panel).toContainText(`设备 ${DEVICE} 用过的全部密钥`);
  await expect(rows.nth(0)).toContainText("恢复启用");
  await expect(rows.nth(0)).toContainText("原因：e2e: detector re-flashed");
  await expect(rows.nth(0)).toContainText("当前密钥");
  await expect(rows.nth(1)).toContainText("轮换启用");
  await expect(rows.nth(1)).toContainText("吊销");
  await expect(rows.nth(2)).toContainText("登记");
  await expect(rows.nth(2)).toContainText("轮换停用");
  await expect(rows.nth(0)).toContainText(`${local.slice(0, 4)}/${local.slice(5, 7)}/${local.slice(8, 10)} ${local.slice(11, 16)}`);
  await expect(page.getByTestId(`device-${DEVICE}`)).toContainText("交通传感器");
  // Nothing English in the panel but the data: ids, fingerprints, the reasons as written.
  const words = (await panel.innerText())
    .replace(/e2e: [a-z ,.-]+/g, "")
    .replace(/\S*[\d.:/-]\S*/g, "")
    .match(/[A-Za-z]{3,}/g);
  expect(words).toBeNull();
  await page.screenshot({ path: path.join(SHOTS, "device-key-history-zh.png"), fullPage: true });
  await page.context().close();
});

for (const lang of ["en", "zh-CN"] as const) {
  test(`a device admin places a new device by clicking the map (${lang})`, async ({ browser, baseURL }) => {
    const page = await pageAs(browser, baseURL!, "traffic", "dept_admin");
    await page.context().addCookies([{ name: "lang", value: lang, url: baseURL! }]);
    const city = (await (await page.request.get("/api/city")).json()) as { center: [number, number]; bounds: [number, number, number, number] };
    await page.goto("/admin/devices");
    await page.getByText(lang === "en" ? "Register a device" : "登记设备", { exact: true }).click();
    const picker = page.getByTestId("device-location-picker");
    const canvas = picker.locator("canvas.maplibregl-canvas");
    await expect(canvas).toBeVisible({ timeout: 60_000 });
    await page.waitForTimeout(1_500);
    // A click in the map's middle places the device there: the fields take the point, inside the city.
    const box = (await canvas.boundingBox())!;
    await page.mouse.click(box.x + box.width / 2 + 20, box.y + box.height / 2 - 10);
    const lon = page.getByLabel(lang === "en" ? "Longitude" : "经度");
    const lat = page.getByLabel(lang === "en" ? "Latitude" : "纬度");
    await expect(lon).not.toHaveValue("");
    const at: [number, number] = [Number(await lon.inputValue()), Number(await lat.inputValue())];
    const [w, s, e, n] = city.bounds;
    expect(at[0]).toBeGreaterThan(w);
    expect(at[0]).toBeLessThan(e);
    expect(at[1]).toBeGreaterThan(s);
    expect(at[1]).toBeLessThan(n);
    await expect(picker.locator(".maplibregl-marker")).toHaveCount(1);
    await page.screenshot({ path: path.join(SHOTS, `device-location-picker-${lang}.png`) });

    const id = `e2e-placed-${lang}-${Date.now()}`;
    const form = page.locator("form").filter({ has: picker });
    await form.getByLabel(lang === "en" ? "Device" : "设备", { exact: true }).fill(id);
    // The department is the admin's own, filled in.
    await expect(form.getByLabel(lang === "en" ? "Department" : "部门", { exact: true })).toHaveValue("traffic");
    await expect(form.getByLabel(lang === "en" ? "Department" : "部门", { exact: true }).locator("option:checked")).toHaveText(lang === "en" ? "Transport Bureau" : "交通运输局");
    await form.getByLabel(lang === "en" ? "Dataset" : "数据集", { exact: true }).fill("traffic.flow");
    await form.getByLabel(/base64/).fill(b64(lang === "en" ? 93 : 94));
    await form.getByRole("button", { name: lang === "en" ? "Register" : "登记", exact: true }).click();
    // Registered where it was placed: the ledger's device entry carries the point.
    await expect
      .poll(async () => {
        const res = await page.request.get(`/api/devices?q=${id}`);
        const d = ((await res.json()).devices as { id: string; location: [number, number] }[]).find((x) => x.id === id);
        return d?.location ?? null;
      }, { timeout: 15_000 })
      .toEqual(at);
    await page.context().close();
  });
}
