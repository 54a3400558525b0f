// NGSI-LD system accounts in Chromium (issue 19): a department admin issues an API key on
// /admin/access (shown once), another system reads /ngsi-ld/v1 with it (the running console,
// simulator data, the department's own access), and the admin revokes it; in English and Chinese.
import { expect, test } from "./test";
import { pageAs } from "./sign-in";

const SHOTS = "e2e/screenshots";

test("a department admin issues an API key, a system reads NGSI-LD with it, the admin revokes it", async ({ browser, baseURL, playwright }) => {
  test.setTimeout(300_000);
  const admin = await pageAs(browser, baseURL!, "traffic", "dept_admin");
  await admin.goto("/admin/access");
  const section = admin.getByTestId("api-keys-admin");
  await expect(section).toBeVisible();
  await section.getByLabel("Name").fill("FIWARE broker (e2e)");
  await section.getByRole("button", { name: "Issue key" }).click();
  const shown = section.getByTestId("api-key-shown");
  await expect(shown).toContainText("cbk_");
  const key = (await shown.locator("pre").textContent())!.trim();
  await expect(section.getByTestId("api-key")).toHaveCount(1);

  // Another system: no cookies, the key only.
  const system = await playwright.request.newContext({ baseURL });
  const read = async () => system.get("/ngsi-ld/v1/entities?type=TrafficFlowObserved&limit=5&count=true&options=keyValues", { headers: { authorization: `Bearer ${key}` } });
  await expect.poll(async () => Number((await read()).headers()["ngsild-results-count"] ?? 0), { timeout: 120_000 }).toBeGreaterThan(0);
  const res = await read();
  expect(res.headers()["link"]).toContain("/ngsi-ld/v1/contexts/city-brain.jsonld");
  const body = (await res.json()) as { id: string; type: string; averageVehicleSpeed?: number }[];
  expect(body[0].type).toBe("TrafficFlowObserved");
  const energy = await system.get("/ngsi-ld/v1/entities?type=ACMeasurement", { headers: { authorization: `Bearer ${key}` } });
  expect(await energy.json()).toEqual([]);
  const ctx = await system.get("/ngsi-ld/v1/contexts/city-brain.jsonld");
  expect((await ctx.json())["@context"].averageVehicleSpeed).toBe("https://smartdatamodels.org/dataModel.Transportation/averageVehicleSpeed");

  await admin.reload();
  await expect(section.getByTestId("api-key")).not.toContainText("never");
  await section.scrollIntoViewIfNeeded();
  await admin.screenshot({ path: `${SHOTS}/ngsi-api-keys-en.png`, fullPage: true });

  admin.once("dialog", (d) => void d.accept());
  await section.getByRole("button", { name: "Revoke" }).click();
  await expect(section.getByTestId("api-key")).toContainText("revoked");
  const refused = await read();
  expect(refused.status()).toBe(401);
  expect((await refused.json()).detail).toContain("revoked");

  await admin.context().addCookies([{ name: "lang", value: "zh-CN", url: baseURL! }]);
  await admin.reload();
  await expect(section.getByRole("heading", { name: "API 密钥（NGSI-LD 系统账号）" })).toBeVisible();
  await expect(section.getByTestId("api-key")).toContainText("已吊销");
  await section.scrollIntoViewIfNeeded();
  await admin.screenshot({ path: `${SHOTS}/ngsi-api-keys-zh.png`, fullPage: true });
  await system.dispose();
});
