import fs from "node:fs";
import path from "node:path";
import { expect, test } from "./test";
import { pageAs } from "./sign-in";

const SHOTS = "e2e/screenshots";

test("a sysadmin previews a rule against the open incidents, enables it after confirming, and retires it revoking its grants (both languages)", async ({ browser, baseURL }) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const sys = await pageAs(browser, baseURL!, "energy", "sysadmin");
  const dialogs: string[] = [];
  sys.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.accept();
  });
  // What the simulator has open now: the preview must say the same.
  await sys.goto("/admin/rules");
  await sys.getByTestId("rule-form").locator("summary").click();
  await sys.getByLabel("Name", { exact: true }).fill("e2e: any open incident");
  await sys.getByTestId("rule-form").locator("select").first().selectOption("3");
  const boxes = sys.getByTestId("rule-datasets");
  // Only road cameras, for the energy bureau (the form proposes traffic flow as well).
  await boxes.getByRole("checkbox", { name: /Road traffic flow/ }).uncheck();
  await boxes.getByRole("checkbox", { name: /Road cameras/ }).check();
  await sys.getByTestId("rule-preview").click();
  const preview = sys.getByTestId("rule-preview-result");
  await expect(preview).toBeVisible();
  const matching = Number(await preview.getAttribute("data-matching"));
  const grants = Number(await preview.getAttribute("data-grants"));
  expect(grants).toBe(matching); // one dataset: one grant per open incident
  await expect(preview).toContainText(`match ${matching} open incident`);
  await sys.screenshot({ path: path.join(SHOTS, "rules-preview-en.png"), fullPage: true });
  // Changing the form drops the preview: what is enabled is what was previewed.
  await sys.getByLabel("Name", { exact: true }).fill("e2e: any open incident (previewed)");
  await expect(preview).toHaveCount(0);
  await sys.getByTestId("rule-preview").click();
  await sys.getByTestId("rule-enable").click();
  const rule = sys.locator('[data-name="e2e: any open incident (previewed)"]');
  await expect(rule).toBeVisible();
  if (grants > 0) expect(dialogs.some((m) => m.includes(`grant ${grants} access`))).toBe(true);
  const ruleId = (await rule.getAttribute("data-testid"))!.replace("rule-", "");
  // Retire: asked to confirm, and to revoke the grants still active.
  await expect.poll(async () => ((await (await sys.request.get("/api/rules")).json()).rules as { id: string; grants: unknown[] }[]).find((r) => r.id === ruleId)!.grants.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(matching > 0 ? 1 : 0);
  await sys.reload();
  await sys.getByTestId(`retire-${ruleId}`).click();
  await expect(rule).toContainText("retired");
  const after = ((await (await sys.request.get("/api/rules")).json()).rules as { id: string; grants: { status: string }[] }[]).find((r) => r.id === ruleId)!;
  expect(after.grants.filter((g) => g.status === "active")).toEqual([]);
  expect(dialogs.some((m) => m.startsWith("Retire the rule"))).toBe(true);

  // In Chinese: the preview and the rule's summary.
  await sys.context().addCookies([{ name: "lang", value: "zh-CN", url: baseURL! }]);
  await sys.goto("/admin/rules");
  await expect(rule).toContainText("严重等级 ≤ 3");
  await expect(rule).toContainText("已上报");
  await sys.getByTestId("rule-form").locator("summary").click();
  await sys.getByLabel("名称", { exact: true }).fill("e2e: 预览");
  await sys.getByTestId("rule-preview").click();
  await expect(sys.getByTestId("rule-preview-result")).toContainText("若现在启用");
  await sys.screenshot({ path: path.join(SHOTS, "rules-preview-zh.png"), fullPage: true });
});
