import fs from "node:fs";
import path from "node:path";
import { expect, test } from "./test";
import { pageAs } from "./sign-in";
import { E2E_DATA_DIR } from "./config";
import { formatCheckpoint } from "../lib/ledger/checkpoint";
import { webCryptoEd25519 } from "../lib/ledger/ed25519";
import { ed25519NoteSigner, signNote } from "../lib/ledger/note";

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
