// Cross-department grants in Chromium: the energy admin grants the transport bureau aggregated
// access to grid load, a transport official sees it aggregated, the grant is revoked and the
// next read is refused with the map's data-access panel saying why; an emergency linkage rule
// fires from a signed severity-1 incident and its grant expires by itself.
import fs from "node:fs";
import path from "node:path";
import type { APIRequestContext, Browser, Page } from "@playwright/test";
import { expect, test } from "./test";
import { Secret, TOTP } from "otpauth";
import { E2E_DATA_DIR } from "./config";
import { signedIncident } from "./helpers";

type DemoUser = { email: string; password: string; departmentId: string; role: string; totpSecret?: string };
const SHOTS = "e2e/screenshots";

function demoUser(departmentId: string, role: string): DemoUser {
  const file = path.join(E2E_DATA_DIR, "secrets", "demo-users.json");
  const { users } = JSON.parse(fs.readFileSync(file, "utf8")) as { users: DemoUser[] };
  const u = users.find((x) => x.departmentId === departmentId && x.role === role);
  if (!u) throw new Error(`no demo ${role} of ${departmentId}`);
  return u;
}

/** Signs a browser context in through the API (password, then TOTP for admins), as the sign-in page does. */
async function signIn(request: APIRequestContext, baseURL: string, u: DemoUser) {
  const headers = { origin: baseURL };
  const r = await request.post("/api/auth/sign-in/email", { data: { email: u.email, password: u.password }, headers });
  expect(r.status(), await r.text()).toBe(200);
  if (u.totpSecret) {
    expect(await r.json()).toMatchObject({ twoFactorRedirect: true });
    const code = new TOTP({ secret: Secret.fromBase32(u.totpSecret), digits: 6, period: 30 }).generate();
    const v = await request.post("/api/auth/two-factor/verify-totp", { data: { code }, headers });
    expect(v.status(), await v.text()).toBe(200);
  }
  const me = await (await request.get("/api/auth/me")).json();
  expect(me.user).toMatchObject({ departmentId: u.departmentId, role: u.role });
}

async function pageAs(browser: Browser, baseURL: string, departmentId: string, role: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, locale: "en-US", viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signIn(page.request, baseURL, demoUser(departmentId, role));
  return page;
}

async function accessRow(page: Page, dataset: string) {
  await page.getByTestId("data-access-button").click();
  const row = page.getByTestId(`access-${dataset}`);
  await expect(row).toBeVisible();
  return row;
}

test.describe("cross-department grants", () => {
  test("energy grants transport aggregated grid load; an official sees it aggregated; revoked, the next read is refused and the map says why", async ({ browser, baseURL }) => {
    const trafficAdmin = await pageAs(browser, baseURL!, "traffic", "dept_admin");
    const energyAdmin = await pageAs(browser, baseURL!, "energy", "dept_admin");
    const official = await pageAs(browser, baseURL!, "traffic", "official");

    // Before: the official's map says grid load is hidden, and the API refuses it.
    await official.goto("/");
    await expect(official.getByTestId("user-menu")).toHaveAttribute("data-role", "official");
    await expect(await accessRow(official, "energy.load")).toHaveAttribute("data-denied", "no_grant");
    expect((await official.request.get("/api/datasets/energy.load/readings")).status()).toBe(403);

    // The transport admin asks for aggregated grid load in the console.
    await trafficAdmin.goto("/admin/grants");
    await trafficAdmin.getByTestId("request-dataset-energy.load").check();
    await trafficAdmin.getByTestId("request-scope-aggregated").check();
    await trafficAdmin.getByTestId("request-purpose").fill("Signal timing around substations during the evening peak");
    await trafficAdmin.getByTestId("request-submit").click();
    await expect(trafficAdmin.getByTestId("request-message")).toHaveText(/waits for the approval of the admin of State Grid/);
    const grants = (await (await trafficAdmin.request.get("/api/grants?direction=outgoing&status=requested")).json()).grants as { id: string; datasetId: string }[];
    const id = grants.find((g) => g.datasetId === "energy.load")!.id;

    // The energy admin sees the request as a notification and approves it.
    await energyAdmin.goto("/admin/grants");
    await expect(energyAdmin.getByTestId("grant-notifications")).toBeVisible();
    await energyAdmin.getByTestId(`approve-${id}`).click();
    await expect(energyAdmin.getByTestId(`approve-scope-${id}-aggregated`)).toBeChecked();
    await energyAdmin.getByTestId(`approve-confirm-${id}`).click();
    await expect(energyAdmin.getByTestId("own-datasets").getByTestId(`grant-${id}`)).toHaveAttribute("data-status", "active");
    fs.mkdirSync(SHOTS, { recursive: true });
    await energyAdmin.screenshot({ path: path.join(SHOTS, "grants-admin-en.png"), fullPage: true });

    // The official now sees grid load, aggregated, with the grant named.
    await official.reload();
    const row = await accessRow(official, "energy.load");
    await expect(row).toHaveAttribute("data-basis", "grant");
    await expect(row).toHaveAttribute("data-scope", "aggregated");
    await expect(row).toContainText("aggregated");
    await official.screenshot({ path: path.join(SHOTS, "data-access-granted-en.png") });
    await expect
      .poll(async () => {
        const r = await official.request.get("/api/datasets/energy.load/readings");
        const b = await r.json();
        return r.ok() && b.scope === "aggregated" && b.access.grantId === id ? b.aggregates.reduce((s: number, a: { count: number }) => s + a.count, 0) : -1;
      }, { timeout: 30_000 })
      .toBeGreaterThan(0);
    const agg = await (await official.request.get("/api/datasets/energy.load/readings")).json();
    expect(JSON.stringify(agg)).not.toMatch(/"device"/); // aggregates name no device

    // The energy admin revokes; the official's next request is refused, and the map says why.
    await energyAdmin.getByTestId("own-datasets").getByTestId(`revoke-${id}`).click();
    await energyAdmin.getByTestId(`reason-${id}`).fill("Peak study finished");
    await energyAdmin.getByTestId(`revoke-confirm-${id}`).click();
    await expect(energyAdmin.getByTestId("own-datasets").getByTestId(`grant-${id}`)).toHaveCount(0);
    const refused = await official.request.get("/api/datasets/energy.load/readings");
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.message).toMatch(/revoked by energy .*Peak study finished/);
    await official.reload();
    const after = await accessRow(official, "energy.load");
    await expect(after).toHaveAttribute("data-denied", "revoked");
    await expect(after).toContainText("grant revoked");
    await official.screenshot({ path: path.join(SHOTS, "data-access-revoked-en.png") });

    // The history shows every step, each on the ledger.
    const detail = await (await trafficAdmin.request.get(`/api/grants/${id}`)).json();
    expect(detail.history.map((h: { action: string }) => h.action)).toEqual(["request", "approve", "revoke"]);

    // Both languages: the panel in Chinese.
    await official.context().addCookies([{ name: "lang", value: "zh-CN", url: baseURL! }]);
    await official.reload();
    await expect(await accessRow(official, "energy.load")).toContainText("授权已撤销");
  });

  test("an emergency linkage rule fires from a signed severity-1 incident and its grant expires by itself", async ({ browser, baseURL }) => {
    const sysadmin = await pageAs(browser, baseURL!, "emergency", "sysadmin");
    const safetyAdmin = await pageAs(browser, baseURL!, "safety", "dept_admin");
    const citizenOfficial = await pageAs(browser, baseURL!, "citizen", "official");

    // A camera's place, read by its owner.
    let camera: [number, number] | null = null;
    await expect
      .poll(async () => {
        const b = await (await safetyAdmin.request.get("/api/datasets/safety.cameras/readings?limit=1")).json();
        camera = b.readings?.[0]?.location ?? null;
        return camera !== null;
      }, { timeout: 60_000 })
      .toBe(true);

    // Without a grant the citizen centre may not read cameras. (Polled: once a rule exists it may
    // fire for an incident the simulator declares, and a retried attempt's grant lasts 40 s.)
    await expect
      .poll(async () => (await citizenOfficial.request.get("/api/datasets/safety.cameras/readings")).status(), { timeout: 60_000, intervals: [2_000] })
      .toBe(403);

    // The sysadmin defines a rule: severity-1 → the citizen service centre gets raw camera data within 2 km for 40 s
    // (long enough that, on a loaded 2-core machine, the reads and the rules page below happen
    // while it is active; the test then waits for it to end by itself).
    const created = await sysadmin.request.post("/api/rules", {
      headers: { origin: baseURL! },
      data: { name: "e2e: severity-1 cameras for the citizen centre", trigger: { maxSeverity: 1 }, grant: { granteeDepartmentId: "citizen", datasets: ["safety.cameras"], scope: "raw", radiusM: 2000, durationSeconds: 40 } },
    });
    expect(created.status(), await created.text()).toBe(200);
    const rule = (await created.json()).rule as { id: string };

    // A dispatch terminal signs a severity-1 incident at the camera and sends it.
    const incidentId = `inc-e2e-${Date.now()}`;
    const env = signedIncident(camera!, incidentId, 999);
    const sent = await sysadmin.request.post("/api/ingest/readings", { data: env });
    expect(await sent.json()).toMatchObject({ status: "accepted" });

    // The rule fires by itself for this incident (and for any severity-1 incident the simulator declares meanwhile).
    const firedFor = async () => {
      const { rules } = await (await sysadmin.request.get("/api/rules")).json();
      return (rules as { id: string; grants: { incident: string }[] }[]).find((r) => r.id === rule.id)!.grants.map((g) => g.incident);
    };
    await expect.poll(firedFor, { timeout: 20_000 }).toContain(incidentId);
    await sysadmin.request.post(`/api/rules/${rule.id}/retire`, { headers: { origin: baseURL! }, data: {} });
    // The citizen official reads raw camera data, only near the incident.
    expect((await citizenOfficial.request.get("/api/datasets/safety.cameras/readings")).status()).toBe(200);
    const read = await (await citizenOfficial.request.get("/api/datasets/safety.cameras/readings")).json();
    expect(read.scope).toBe("raw");
    expect(read.access).toMatchObject({ basis: "grant", scope: "raw", area: { radiusM: 2000 } });
    const [lon0, lat0] = read.access.area.center as [number, number];
    for (const r of read.readings as { location: [number, number] }[]) {
      const dx = (r.location[0] - lon0) * Math.cos((lat0 * Math.PI) / 180) * 111_320;
      const dy = (r.location[1] - lat0) * 110_540;
      expect(Math.hypot(dx, dy)).toBeLessThanOrEqual(2001);
    }

    // The sysadmin's rules page shows the automatic grant for this incident…
    await sysadmin.goto("/admin/rules");
    const fired = sysadmin.getByTestId(`rule-${rule.id}`).locator(`[data-incident="${incidentId}"]`);
    await expect(fired).toHaveAttribute("data-status", "active");
    await sysadmin.screenshot({ path: path.join(SHOTS, "rules-admin-en.png"), fullPage: true });
    const grantId = (await fired.getAttribute("data-testid"))!.replace("rule-grant-", "");
    const detail = await (await sysadmin.request.get(`/api/grants/${grantId}`)).json();
    expect(detail.grant).toMatchObject({ automatic: true, ruleId: rule.id, granteeDepartmentId: "citizen", triggerRef: incidentId });

    // …which ends by itself: reads are refused, and the expiry is on the grant's ledgered history.
    await expect.poll(async () => (await citizenOfficial.request.get("/api/datasets/safety.cameras/readings")).status(), { timeout: 90_000, intervals: [2_000] }).toBe(403);
    await sysadmin.reload();
    await expect(fired).toHaveAttribute("data-status", "expired", { timeout: 20_000 });
    const ended = await (await sysadmin.request.get(`/api/grants/${grantId}`)).json();
    expect(ended.history.map((h: { action: string; by: string }) => [h.action, h.by])).toEqual([
      ["approve", `rule:${rule.id}`],
      ["expire", "system"],
    ]);
  });

  test("the sign-in form takes a password and, for admins, a TOTP code; the access log and both languages render", async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL, locale: "en-US", viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const admin = demoUser("safety", "dept_admin");
    await page.goto("/admin/grants");
    await expect(page.getByTestId("grants-sign-in")).toBeVisible();
    await page.goto("/sign-in?next=/admin/access");
    await page.getByTestId("sign-in-email").fill(admin.email);
    await page.getByTestId("sign-in-password").fill("not the password");
    await page.getByTestId("sign-in-submit").click();
    await expect(page.getByTestId("sign-in-error")).toHaveText("Wrong email or password.");
    await page.getByTestId("sign-in-password").fill(admin.password);
    await page.getByTestId("sign-in-submit").click();
    await expect(page.getByTestId("sign-in-code")).toBeVisible();
    await page.screenshot({ path: path.join(SHOTS, "sign-in-code-en.png") });
    await page.getByTestId("sign-in-code").fill(new TOTP({ secret: Secret.fromBase32(admin.totpSecret!), digits: 6, period: 30 }).generate());
    await page.getByTestId("sign-in-verify").click();
    await expect(page).toHaveURL(/\/admin\/access$/);
    await expect(page.getByTestId("user-menu")).toHaveAttribute("data-role", "dept_admin");
    // The safety admin sees who read safety's data, their own read included.
    expect((await page.request.get("/api/datasets/safety.incidents/readings?limit=5")).status()).toBe(200);
    await expect(page.getByTestId("access-event").first()).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId("access-event").first()).toHaveAttribute("data-dataset", /^safety\./);
    await page.screenshot({ path: path.join(SHOTS, "access-log-en.png"), fullPage: true });
    await context.addCookies([{ name: "lang", value: "zh-CN", url: baseURL! }]);
    await page.reload();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("数据访问记录");
    await page.getByTestId("sign-out").click();
    await expect(page.getByTestId("sign-in-form")).toContainText("登录平台");
    await page.screenshot({ path: path.join(SHOTS, "sign-in-zh.png") });
    await context.close();
  });
});
