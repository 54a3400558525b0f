import fs from "node:fs";
import path from "node:path";
import { expect, test } from "./test";
import { fillReport } from "./citizen";

const SHOTS = "e2e/screenshots";
const PHOTO = path.resolve("lib/citizen/fixtures/gps-photo.jpg");

// A citizen on a phone, without an account, in both languages: files a report with a photo,
// sees the receipt, finds the report in "My reports", and the receipt verifies on /verify.
for (const lang of ["zh-CN", "en"] as const) {
  test(`a citizen files a report with a photo on a phone and verifies the receipt (${lang})`, async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL, locale: lang === "en" ? "en-US" : "zh-CN", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await context.addCookies([{ name: "lang", value: lang, url: baseURL! }]);
    const page = await context.newPage();
    const description = lang === "en" ? "Deep pothole by the bus stop" : "公交站旁路面有深坑";
    const reporter = await fillReport(page, { service: "pothole", description });
    await page.getByTestId("report-photos").setInputFiles(PHOTO);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}/citizen-report-form-${lang}.png`, fullPage: true });
    await page.getByTestId("report-submit").click();

    await expect(page.getByTestId("report-receipt")).toBeVisible();
    const id = (await page.getByTestId("receipt-id").textContent())!;
    await expect(page.getByTestId("receipt-leaf")).toHaveText(/^\d+$/);
    const download = page.getByTestId("receipt-download");
    await expect(download).toBeVisible({ timeout: 30_000 });
    await page.screenshot({ path: `${SHOTS}/citizen-report-receipt-${lang}.png`, fullPage: true });
    const href = (await download.getAttribute("href"))!;
    const receipt = decodeURIComponent(href.slice(href.indexOf(",") + 1));
    const parsed = JSON.parse(receipt);
    expect(parsed).toMatchObject({ format: "city-brain-report-receipt/v1", report: id, content: { serviceCode: "pothole", description } });
    expect(parsed.content.photos).toHaveLength(1);
    // The public ledger entry commits to the content by hash: no text, no exact point.
    expect(parsed.ledger.entry).not.toContain(description);
    expect(parsed.ledger.entry).not.toContain(String(parsed.content.lat));
    expect(JSON.parse(parsed.ledger.entry)).toMatchObject({ kind: "report.v1", report: id, reporter, mediaHashes: parsed.content.photos });

    await page.getByTestId("to-mine").click();
    const mine = page.getByTestId("mine-report").filter({ has: page.locator(`a[href="/report/${id}"]`) });
    await expect(mine).toBeVisible();
    await expect(page.getByTestId("mine-reporter")).toContainText(reporter);
    await expect(mine.getByTestId("report-history").locator("li")).toHaveCount(1);
    await page.screenshot({ path: `${SHOTS}/citizen-my-reports-${lang}.png`, fullPage: true });

    await page.goto("/verify");
    await page.getByTestId("verify-file").setInputFiles({ name: `report-${id}.receipt.json`, mimeType: "application/json", buffer: Buffer.from(receipt) });
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-ok", "true");
    await expect(page.locator(".check-name")).toContainText([lang === "en" ? "Report content" : "上报内容", lang === "en" ? "Reporter's signature" : "上报人签名"]);
    await page.screenshot({ path: `${SHOTS}/citizen-verify-${lang}.png`, fullPage: true });

    const tampered = { ...parsed, content: { ...parsed.content, description: "something else" } };
    await page.getByTestId("verify-file").setInputFiles({ name: "tampered.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(tampered)) });
    await expect(page.getByTestId("verdict")).toHaveAttribute("data-ok", "false");

    await page.goto(`/report/${id}`);
    await expect(page.getByTestId("public-location")).toHaveText(/^\d+\.\d{3}, \d+\.\d{3}$/);
    await expect(page.getByTestId("public-status")).toHaveText(lang === "en" ? "Submitted" : "已提交");
  });
}
