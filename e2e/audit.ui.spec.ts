import fs from "node:fs";
import path from "node:path";
import { expect, test } from "./test";
import { pageAs } from "./sign-in";

test.describe("the auditor's workspace", () => {
  test("searches the ledger, checks consistency between checkpoints in the browser, and guards the full audit", async ({ page, request }) => {
    await expect.poll(async () => (await (await request.get("/api/ledger/checkpoints?limit=3")).json()).checkpoints.length, { timeout: 30_000 }).toBe(3);
    await page.goto("/audit");
    // Search one device's readings: each row links to its provenance.
    await page.getByTestId("search-device").fill("trf-000001");
    await page.getByTestId("search-submit").click();
    const rows = page.getByTestId("entries").locator("tbody tr");
    await expect(rows.first()).toContainText("reading.v1");
    await expect(rows.first().locator("a")).toHaveAttribute("href", /^\/provenance\/reading\/\d+$/);
    await expect(page.getByTestId("entries")).not.toContainText("trf-000002");

    // Consistency between the oldest and newest listed checkpoints, verified here.
    const sizes = await page.getByTestId("cp-older").locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    await page.getByTestId("cp-older").selectOption(sizes[sizes.length - 1]);
    await page.getByTestId("cp-newer").selectOption(sizes[0]);
    await page.getByTestId("cp-check").click();
    await expect(page.getByTestId("consistency-result")).toHaveAttribute("data-ok", "true");
    fs.mkdirSync("e2e/screenshots", { recursive: true });
    await page.screenshot({ path: path.join("e2e/screenshots", "audit.png"), fullPage: true });
  });

  test("the full audit and its API refuse guests", async ({ request }) => {
    expect((await request.get("/api/audit/runs/latest")).status()).toBe(401);
    expect((await request.post("/api/audit/runs", { data: {} })).status()).toBeGreaterThanOrEqual(401);
    const bad = await request.get("/api/ledger/entries?kind=nonsense");
    expect(bad.status()).toBe(400);
    expect((await bad.json()).error.message).toContain("kind");
  });
});

test("an auditor runs the full audit with progress and sees it pass; an official may not", async ({ browser, baseURL }) => {
  const auditor = await pageAs(browser, baseURL!, "emergency", "auditor");
  await auditor.goto("/audit");
  await auditor.getByTestId("audit-run").click();
  await expect(auditor.getByTestId("audit-report")).toHaveAttribute("data-ok", "true", { timeout: 60_000 });
  await expect(auditor.getByTestId("audit-report")).toContainText("Audit passed");
  await auditor.screenshot({ path: path.join("e2e/screenshots", "audit-run.png"), fullPage: true });

  const official = await pageAs(browser, baseURL!, "traffic", "official");
  expect((await official.request.get("/api/audit/runs/latest")).status()).toBe(403);
  await official.goto("/audit");
  await expect(official.getByTestId("audit-sign-in")).toBeVisible();
});
