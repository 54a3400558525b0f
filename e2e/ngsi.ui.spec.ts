// NGSI-LD system accounts in Chromium (issue 19): a department admin issues an API key on
// /admin/access (shown once), another system reads /ngsi-ld/v1 with it (the running console,
// simulator data, the department's own access), and the admin revokes it; then an OAuth client
// (client credentials), whose token another system obtains at /oauth/token and reads with; in
// English and Chinese.
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

  // An OAuth client: issued on the same page, its secret shown once, traded for a bearer token.
  await section.getByLabel("Kind").selectOption("oauth_client");
  await section.getByLabel("Name").fill("Dispatch system (e2e)");
  await section.getByRole("button", { name: "Issue OAuth client" }).click();
  await expect(shown).toContainText("client_secret=");
  const [idLine, secretLine] = (await shown.locator("pre").textContent())!.trim().split("\n");
  const clientId = idLine.replace("client_id=", ""), clientSecret = secretLine.replace("client_secret=", "");
  const tokenRes = await system.post("/oauth/token", { form: { grant_type: "client_credentials" }, headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}` } });
  expect(tokenRes.status()).toBe(200);
  const token = (await tokenRes.json()) as { access_token: string; token_type: string; expires_in: number };
  expect([token.token_type, token.expires_in]).toEqual(["Bearer", 900]);
  const viaToken = await system.get("/ngsi-ld/v1/entities?type=TrafficFlowObserved&limit=1&count=true", { headers: { authorization: `Bearer ${token.access_token}` } });
  expect(viaToken.status()).toBe(200);
  expect(Number(viaToken.headers()["ngsild-results-count"])).toBeGreaterThan(0);
  const wrong = await system.post("/oauth/token", { form: { grant_type: "client_credentials", client_id: clientId, client_secret: "wrong" } });
  expect([wrong.status(), (await wrong.json()).error]).toEqual([401, "invalid_client"]);
  await admin.reload();
  await expect(section.locator('[data-testid="api-key"][data-kind="oauth_client"]')).toContainText("OAuth client");
  await section.scrollIntoViewIfNeeded();
  await admin.screenshot({ path: `${SHOTS}/ngsi-oauth-client-en.png`, fullPage: true });

  await admin.context().addCookies([{ name: "lang", value: "zh-CN", url: baseURL! }]);
  await admin.reload();
  await expect(section.getByRole("heading", { name: "系统账号（NGSI-LD）：API 密钥与 OAuth 客户端" })).toBeVisible();
  await expect(section.getByTestId("api-key")).toHaveCount(2);
  await expect(section.locator('[data-testid="api-key"][data-kind="key"]')).toContainText("已吊销");
  await expect(section.locator('[data-testid="api-key"][data-kind="oauth_client"]')).toContainText("OAuth 客户端");
  await section.scrollIntoViewIfNeeded();
  await admin.screenshot({ path: `${SHOTS}/ngsi-api-keys-zh.png`, fullPage: true });
  await system.dispose();
});
