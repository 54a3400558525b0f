import fs from "node:fs";
import path from "node:path";
import { expect, test } from "./test";
import { pageAs } from "./sign-in";
import { E2E_DATA_DIR } from "./config";
import { formatCheckpoint } from "../lib/ledger/checkpoint";
import { webCryptoEd25519 } from "../lib/ledger/ed25519";
import { ed25519NoteSigner, signNote } from "../lib/ledger/note";
import { CITY_UTC_OFFSET_MINUTES, toCityInput } from "../lib/i18n/city-time";

test.describe("the auditor's workspace", () => {
  test("searches the ledger, checks consistency between checkpoints in the browser, and guards the full audit", async ({ page, request }) => {
    await expect.poll(async () => (await (await request.get("/api/ledger/checkpoints?limit=3")).json()).checkpoints.length, { timeout: 30_000 }).toBe(3);
    await page.goto("/audit");
    // Search one device's readings: a table, each row linking to its entry and its provenance.
    await page.getByTestId("search-device").fill("trf-000001");
    await page.getByTestId("search-submit").click();
    const rows = page.getByTestId("entries").locator("tbody tr");
    await expect(rows.first()).toContainText("Device reading");
    await expect(rows.first()).toContainText("trf-000001");
    await expect(rows.first().locator("a").first()).toHaveAttribute("href", /^\/audit\/entries\/\d+$/);
    await expect(rows.first().locator("a.entry-provenance")).toHaveAttribute("href", /^\/provenance\/reading\/\d+$/);
    await expect(page.getByTestId("entries")).not.toContainText("trf-000002");
    await expect(page.getByTestId("entries")).not.toContainText('{"');

    // Consistency between two listed checkpoints, verified here; the wrong order is an input warning.
    const sizes = (await page.getByTestId("checkpoint-list").locator("tbody tr td:first-child").allTextContents()).map((x) => x.replace(/\D/g, ""));
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    await page.getByTestId("cp-older").fill(sizes[0]);
    await page.getByTestId("cp-newer").fill(sizes[sizes.length - 1]);
    await expect(page.getByTestId("cp-input-warning")).toContainText("smaller size");
    await expect(page.getByTestId("cp-check")).toBeDisabled();
    await expect(page.getByTestId("consistency-result")).toHaveCount(0);
    await page.getByTestId("checkpoint-list").locator("tbody tr").last().getByTestId("cp-use-older").click();
    await page.getByTestId("checkpoint-list").locator("tbody tr").first().getByTestId("cp-use-newer").click();
    const chosen = await page.getByTestId("cp-older").inputValue();
    await page.getByTestId("cp-check").click();
    await expect(page.getByTestId("consistency-result")).toHaveAttribute("data-ok", "true");
    await expect(page.getByTestId("consistency-result")).toContainText("hashes");
    // A refresh of the newest page keeps the chosen sizes.
    await page.waitForTimeout(5500);
    await expect(page.getByTestId("cp-older")).toHaveValue(chosen);
    fs.mkdirSync("e2e/screenshots", { recursive: true });
    await page.screenshot({ path: path.join("e2e/screenshots", "audit.png"), fullPage: true });

    // Page through the checkpoints (once there are more than a page of 25): the older page starts below this one.
    await expect.poll(async () => (await (await request.get("/api/ledger/checkpoints?limit=30")).json()).checkpoints.length, { timeout: 60_000 }).toBeGreaterThan(26);
    await page.reload(); // the list as it is now, not as the last 5-second refresh left it
    await expect(page.getByTestId("checkpoint-list").locator("tbody tr")).toHaveCount(25);
    await page.getByTestId("cp-older-page").click();
    await expect(page.getByTestId("checkpoint-list").locator("tbody tr").first()).not.toContainText(sizes[0]);
    await page.getByTestId("cp-newest").click();
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

test("an auditor keeps a checkpoint in the browser, checks the log extends it, and a rolled-back or rewritten log fails there (both languages)", async ({ browser, baseURL }) => {
  const auditor = await pageAs(browser, baseURL!, "emergency", "auditor");
  await auditor.goto("/audit");
  await expect(auditor.getByTestId("kept-summary")).toContainText("No checkpoint kept");
  await auditor.getByTestId("kept-keep").click();
  await expect(auditor.getByTestId("kept-summary")).toContainText(/Kept: the checkpoint of [\d,]+ leaves/);
  const keptSize = Number((await auditor.getByTestId("kept-summary").textContent())!.match(/of ([\d,]+) leaves/)![1].replace(/,/g, ""));
  // Wait until the log has grown past it, so the check needs a consistency proof.
  await expect.poll(async () => Number((await (await auditor.request.get("/ledger/checkpoint")).text()).split("\n")[1]), { timeout: 30_000 }).toBeGreaterThan(keptSize);
  await auditor.getByTestId("kept-check").click();
  await expect(auditor.getByTestId("kept-result")).toHaveAttribute("data-ok", "true");
  await expect(auditor.getByTestId("kept-result")).toContainText(`consistent extension of the kept checkpoint of ${keptSize.toLocaleString("en")} leaves`);

  // The full audit on the server checks the same kept checkpoint.
  await expect(auditor.getByTestId("audit-use-kept")).toBeChecked();
  await auditor.getByTestId("audit-run").click();
  await expect(auditor.getByTestId("audit-report")).toHaveAttribute("data-ok", "true", { timeout: 90_000 });
  await expect(auditor.getByTestId("audit-report")).toContainText(`checked against the kept checkpoint of ${keptSize.toLocaleString("en")} leaves`);
  // A note that is not the log's: refused by the API with 400 naming `since`, and by the page.
  const bad = await auditor.request.post("/api/audit/runs", { data: { since: "city.example/ledger\n5\nAAAA\n\n— nobody AAAA\n" } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.message).toContain("since");
  await auditor.getByTestId("kept-paste").fill("not a checkpoint\n");
  await auditor.getByTestId("kept-paste-keep").click();
  await expect(auditor.getByTestId("kept-result")).toHaveAttribute("data-reason", "not_a_checkpoint");

  // Notes signed with the log's own key (as a console whose log was later rolled back or
  // rewritten would have signed them): one larger than the log is now, one at the current
  // size with another root. The browser refuses both, whatever the server says.
  const info = (await (await auditor.request.get("/api/ledger/info")).json()) as { origin: string };
  const keys = JSON.parse(fs.readFileSync(path.join(E2E_DATA_DIR, "secrets", "ledger-keys.json"), "utf8")) as { log: { signerKey: string } };
  const signer = await ed25519NoteSigner(webCryptoEd25519(), keys.log.signerKey);
  const current = Number((await (await auditor.request.get("/ledger/checkpoint")).text()).split("\n")[1]);
  const forged = (size: number) => signNote(formatCheckpoint({ origin: info.origin, size, root: new Uint8Array(32).fill(7), extensions: [] }), [signer]);
  await auditor.getByTestId("kept-paste").fill(await forged(current + 100_000));
  await auditor.getByTestId("kept-paste-keep").click();
  await expect(auditor.getByTestId("kept-result")).toHaveAttribute("data-reason", "rolled_back");
  await expect(auditor.getByTestId("kept-result")).toContainText("rolled back");
  await auditor.getByTestId("kept-paste").fill(await forged(keptSize));
  await auditor.getByTestId("kept-paste-keep").click();
  await expect(auditor.getByTestId("kept-result")).toHaveAttribute("data-reason", "not_an_extension");
  fs.mkdirSync("e2e/screenshots", { recursive: true });
  await auditor.screenshot({ path: path.join("e2e/screenshots", "audit-kept-en.png"), fullPage: true });

  // In Chinese: the kept checkpoint (now the forged one) is shown and checked in Chinese.
  await auditor.context().addCookies([{ name: "lang", value: "zh-CN", url: baseURL! }]);
  await auditor.goto("/audit");
  await expect(auditor.getByTestId("kept-summary")).toContainText("已保存");
  await auditor.getByTestId("kept-check").click();
  await expect(auditor.getByTestId("kept-result")).toContainText("账本不是所保存检查点的一致延续");
  await auditor.screenshot({ path: path.join("e2e/screenshots", "audit-kept-zh.png"), fullPage: true });
});

test("an auditor opens a checkpoint and an entry, each verified in the browser, in both languages", async ({ page, baseURL }) => {
  await expect.poll(async () => (await (await page.request.get("/api/ledger/checkpoints?limit=3")).json()).checkpoints.filter((c: { final: boolean }) => c.final).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
  const cps = (await (await page.request.get("/api/ledger/checkpoints?limit=3")).json()).checkpoints as { size: number; final: boolean }[];
  const cp = cps.filter((c) => c.final)[1];
  for (const lang of ["en", "zh-CN"]) {
    await page.context().addCookies([{ name: "lang", value: lang, url: baseURL! }]);
    await page.goto(`/audit/checkpoints/${cp.size}`);
    const checks = page.getByTestId("checkpoint-checks");
    await expect(checks.locator('[data-check="signature"]')).toHaveAttribute("data-ok", "true");
    await expect(checks.locator('[data-check="cosignatures"]')).toHaveAttribute("data-ok", "true");
    await expect(checks.locator('[data-check="consistency"]')).toHaveAttribute("data-ok", "true");
    await expect(page.getByTestId("checkpoint-note")).toContainText(`\n${cp.size}\n`);
    await expect(page.getByTestId("checkpoint-cosignatures").locator("tbody tr")).toHaveCount(5);
    await page.screenshot({ path: path.join("e2e/screenshots", `audit-checkpoint-${lang}.png`), fullPage: true });

    // Its last entry, rendered by kind with its inclusion proof verified here.
    await page.goto(`/audit/entries/${cp.size - 1}`);
    await expect(page.getByTestId("entry-verdict")).toHaveAttribute("data-ok", "true", { timeout: 20_000 });
    await expect(page.getByTestId("check-list").locator('[data-check="ledger-inclusion"]')).toHaveAttribute("data-ok", "true");
    await expect(page.getByTestId("entry-fields")).toContainText(lang === "en" ? "Kind" : "类型");
    await page.screenshot({ path: path.join("e2e/screenshots", `audit-entry-${lang}.png`), fullPage: true });
  }
  // A device registration entry (leaf 0 onwards are device.v1 registrations on a fresh console).
  await page.goto(`/audit/entries/0`);
  await expect(page.getByTestId("entry-viewer")).toHaveAttribute("data-kind", /device\.v1|account\.v1|commitment\.v1/);
  await expect(page.getByTestId("entry-verdict")).toHaveAttribute("data-ok", "true", { timeout: 20_000 });
  // A leaf that does not exist: a clear 404 from the API, an error on the page.
  const missing = await page.request.get("/api/ledger/entries/999999999");
  expect(missing.status()).toBe(404);
  expect((await page.request.get("/api/ledger/entries/abc")).status()).toBe(400);
  expect((await page.request.get("/api/ledger/checkpoints/999999999")).status()).toBe(404);
});

test("an auditor narrows the access log by date, groups it by reader and hour, exports it as CSV and opens its ledger batch (both languages)", async ({ browser, baseURL }) => {
  // Someone reads data: a traffic official's map reads of energy (internal) and traffic.
  const official = await pageAs(browser, baseURL!, "safety", "official");
  const started = new Date(Date.now() - 1000).toISOString();
  for (let i = 0; i < 3; i++) expect((await official.request.get("/api/traffic/latest")).status()).toBe(200);
  const auditor = await pageAs(browser, baseURL!, "emergency", "auditor");
  // The reads are in the log, the newest ledgered in an access.v1 batch within seconds.
  await expect
    .poll(async () => ((await (await auditor.request.get(`/api/access-events?from=${encodeURIComponent(started)}&reader=safety`)).json()).events as { leafIndex: number | null }[]).filter((e) => e.leafIndex !== null).length, { timeout: 30_000 })
    .toBeGreaterThanOrEqual(3);
  await auditor.goto("/admin/access");
  await auditor.getByTestId("filter-reader").selectOption("safety");
  // The date range is in the city's time (UTC+8), whatever the browser's zone.
  await auditor.getByTestId("filter-from").fill(toCityInput(started, CITY_UTC_OFFSET_MINUTES));
  const rows = auditor.getByTestId("access-event");
  await expect(rows.first()).toBeVisible();
  await expect(rows.first()).toContainText("latest traffic");
  // Grouped by reader: one group, the official, with the reads counted.
  await auditor.getByTestId("group-by").selectOption("reader");
  const groups = auditor.getByTestId("access-group");
  await expect(groups).toHaveCount(1);
  await expect(groups.first()).toContainText("official.safety@");
  expect(Number((await groups.first().locator("td").nth(1).textContent())!.replace(/\D/g, ""))).toBeGreaterThanOrEqual(3);
  await auditor.getByTestId("group-by").selectOption("hour");
  await expect(groups.first()).toBeVisible();
  fs.mkdirSync("e2e/screenshots", { recursive: true });
  await auditor.screenshot({ path: path.join("e2e/screenshots", "access-log-groups-en.png"), fullPage: true });
  // The CSV: what the filter shows, every line the safety department's reads.
  const href = await auditor.getByTestId("export-csv").getAttribute("href");
  const csv = await (await auditor.request.get(href!)).text();
  const lines = csv.replace(/^\ufeff/, "").trimEnd().split("\r\n");
  expect(lines[0].startsWith("id,at,userId,user,departmentId,role,datasetId")).toBe(true);
  expect(lines.length).toBeGreaterThanOrEqual(4);
  expect(lines.slice(1).every((l) => l.split(",")[4] === "safety")).toBe(true);
  // A ledgered read links to its access.v1 entry, verified in the browser.
  await auditor.getByTestId("group-by").selectOption("");
  const leafLink = rows.locator('a[href^="/audit/entries/"]').first();
  await leafLink.click();
  await expect(auditor.getByTestId("entry-viewer")).toHaveAttribute("data-kind", "access.v1");
  await expect(auditor.getByTestId("entry-verdict")).toHaveAttribute("data-ok", "true", { timeout: 20_000 });
  // In Chinese: the action and the grouping in Chinese.
  await auditor.context().addCookies([{ name: "lang", value: "zh-CN", url: baseURL! }]);
  await auditor.goto("/admin/access");
  await auditor.getByTestId("filter-reader").selectOption("safety");
  await expect(rows.first()).toContainText("最新交通数据");
  await auditor.getByTestId("group-by").selectOption("dataset");
  await expect(groups.first()).toBeVisible();
  await auditor.screenshot({ path: path.join("e2e/screenshots", "access-log-groups-zh.png"), fullPage: true });
});
