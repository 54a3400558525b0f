// Separation of duties in Chromium (issue 13): a sysadmin cannot change their own role or
// department (the selects are locked, the API says 403 naming the field); a department move
// made in the accounts admin shows in that account's history (who, from which department,
// what changed, the ledger leaf) in English and Chinese; a move-then-approve is refused; and a
// grant revoked by another department's sysadmin shows that department in the grant's history.
import { expect, test } from "./test";
import { demoUser, pageAs } from "./sign-in";

const SHOTS = "e2e/screenshots";

test.describe("accounts and separation of duties", () => {
  test("own role and department locked; a move is ledgered and shown in the account's history in both languages; move-then-approve refused; the revoker's own department in the grant history", async ({ browser, baseURL }) => {
    // About a minute alone; six signed-in pages and two languages take longer on a loaded 2-core machine.
    test.setTimeout(420_000);
    const sys = await pageAs(browser, baseURL!, "emergency", "sysadmin");
    const headers = { origin: baseURL! };
    const me = (await (await sys.request.get("/api/auth/me")).json()).user as { id: string };

    // Nobody changes their own role or department: 403 naming the field.
    const own = await sys.request.patch(`/api/auth/users/${me.id}`, { data: { role: "auditor" }, headers });
    expect(own.status()).toBe(403);
    expect((await own.json()).error.message).toMatch(/^role: nobody may change their own role/);
    const ownDept = await sys.request.patch(`/api/auth/users/${me.id}`, { data: { departmentId: "energy" }, headers });
    expect(ownDept.status()).toBe(403);
    expect((await ownDept.json()).error.message).toMatch(/^departmentId:/);

    // A request for energy's data is made before the move. Emergency asks (not traffic): the
    // grants spec starts from traffic holding no grant on energy.load, and this one is revoked.
    const granteeAdmin = await pageAs(browser, baseURL!, "emergency", "dept_admin");
    const asked = await granteeAdmin.request.post("/api/grants", { data: { datasetId: "energy.load", scope: "aggregated", purpose: "accounts e2e", validUntil: new Date(Date.now() + 3_600_000).toISOString() }, headers });
    expect(asked.status(), await asked.text()).toBe(200);
    const early = (await asked.json()).grant as { id: string };

    await sys.goto("/admin/access");
    const admin = sys.getByTestId("users-admin");
    await expect(admin).toBeVisible();
    const mine = admin.locator(`[data-testid="account-row"][data-email="${demoUser("emergency", "sysadmin").email}"]`);
    await expect(mine.getByTestId("own-account")).toBeVisible();
    await expect(mine.getByLabel("Role")).toBeDisabled();
    await expect(mine.getByLabel("Department")).toBeDisabled();

    // Move citizen's admin into energy in the UI.
    const citizenAdmin = demoUser("citizen", "dept_admin");
    const row = admin.locator(`[data-testid="account-row"][data-email="${citizenAdmin.email}"]`);
    // Choosing is not changing: nothing happens until Save, which asks first.
    await row.getByLabel("Department").selectOption("energy");
    await sys.waitForTimeout(500);
    expect((await (await sys.request.get("/api/auth/users")).json()).users.find((u: { email: string }) => u.email === citizenAdmin.email).departmentId).toBe("citizen");
    const prompts: string[] = [];
    sys.once("dialog", (d) => {
      prompts.push(d.message());
      void d.accept();
    });
    await row.getByTestId("account-save").click();
    await expect(row.getByTestId("account-save")).toHaveCount(0);
    expect(prompts[0]).toContain("12345 Citizen Service Centre → State Grid Yantai Power Supply Company");
    await expect(row.getByLabel("Department")).toHaveValue("energy");
    await row.getByRole("button", { name: "History" }).click();
    const history = admin.locator('[data-testid^="account-history-"]').filter({ has: sys.getByTestId("account-event") });
    await expect(history.getByTestId("account-event")).toHaveCount(2);
    const change = history.locator('[data-testid="account-event"][data-action="change"]');
    await expect(change.locator('[data-field="departmentId"]')).toContainText("12345 Citizen Service Centre → State Grid Yantai Power Supply Company");
    await expect(change).toContainText("Emergency Management Bureau");
    await expect(change.locator("a")).toHaveAttribute("href", /^\/audit\/entries\/\d+$/);
    await history.scrollIntoViewIfNeeded();
    await sys.screenshot({ path: `${SHOTS}/accounts-history-en.png`, fullPage: true });

    // The moved admin may not approve the request made before the move.
    const moved = await pageAs(browser, baseURL!, "citizen", "dept_admin");
    expect((await (await moved.request.get("/api/auth/me")).json()).user).toMatchObject({ departmentId: "energy", role: "dept_admin" });
    const refused = await moved.request.post(`/api/grants/${early.id}/approve`, { data: {}, headers });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.message).toMatch(/belonged to energy before the request was made/);
    await moved.context().close();
    // Energy's own admin may; then emergency's sysadmin revokes it (emergency stop).
    const energyAdmin = await pageAs(browser, baseURL!, "energy", "dept_admin");
    expect((await energyAdmin.request.post(`/api/grants/${early.id}/approve`, { data: {}, headers })).status()).toBe(200);
    expect((await sys.request.post(`/api/grants/${early.id}/revoke`, { data: { reason: "accounts e2e stop" }, headers })).status()).toBe(200);
    // The grantee's admin lists the revoked grant with its history.
    await granteeAdmin.goto("/admin/grants");
    await granteeAdmin.getByTestId(`history-${early.id}`).first().click();
    const by = granteeAdmin.getByTestId(`history-table-${early.id}`).getByTestId("history-by");
    await expect(by).toHaveCount(3);
    await expect(by.nth(2)).toHaveAttribute("data-department", "emergency");
    await expect(by.nth(2)).toContainText("Emergency Management Bureau");

    // The same history in Chinese.
    await sys.context().addCookies([{ name: "lang", value: "zh-CN", url: baseURL! }]);
    await sys.reload();
    const zhRow = sys.getByTestId("users-admin").locator(`[data-testid="account-row"][data-email="${citizenAdmin.email}"]`);
    await zhRow.getByRole("button", { name: "历史" }).click();
    const zh = sys.getByTestId("users-admin").locator('[data-testid="account-event"][data-action="change"]');
    await expect(zh.locator('[data-field="departmentId"]')).toContainText("部门");
    await expect(zh.locator('[data-field="departmentId"]')).toContainText("12345 市民服务热线 → 国网烟台供电公司");
    await expect(sys.getByTestId("users-admin")).toContainText("本人账号");
    await zh.scrollIntoViewIfNeeded();
    await sys.screenshot({ path: `${SHOTS}/accounts-history-zh.png`, fullPage: true });

    // Put the account back for the other tests.
    expect((await sys.request.patch(`/api/auth/users/${(await (await sys.request.get("/api/auth/users")).json()).users.find((u: { email: string }) => u.email === citizenAdmin.email).id}`, { data: { departmentId: "citizen" }, headers })).status()).toBe(200);
  });
});
