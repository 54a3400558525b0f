import fs from "node:fs";
import { expect, test } from "./test";
import { demoUser, signIn } from "./sign-in";

const SHOTS = "e2e/screenshots";

// The department's side on a phone, in both languages: a citizen's report (filed through
// Open311) appears in the Transport Bureau's triage queue on the map and in the list; the
// official confirms it, and the public page shows the confirmation.
for (const lang of ["zh-CN", "en"] as const) {
  test(`an official triages and confirms a citizen report on a phone (${lang})`, async ({ browser, baseURL }) => {
    const context = await browser.newContext({ baseURL, locale: lang === "en" ? "en-US" : "zh-CN", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await context.addCookies([{ name: "lang", value: lang, url: baseURL! }]);
    const page = await context.newPage();
    const city = (await (await page.request.get("/api/city")).json()) as { center: [number, number] };
    const description = lang === "en" ? `Pothole by the school gate ${Date.now()}` : `学校门口路面坑洼 ${Date.now()}`;
    const filed = await page.request.post("/open311/v2/requests.json", {
      form: { service_code: "pothole", description, lat: String(city.center[1]), long: String(city.center[0]), email: "citizen@example.cn" },
    });
    expect(filed.status(), await filed.text()).toBe(201);
    const [{ service_request_id: id }] = (await filed.json()) as { service_request_id: string }[];

    await signIn(page.request, baseURL!, demoUser("traffic", "official"));
    await page.goto("/triage");
    await expect(page.locator(`a.nav-link[href="/triage"]`)).toBeVisible();
    const card = page.getByTestId("triage-report").filter({ hasText: description });
    await expect(card).toBeVisible();
    await expect(card).toHaveAttribute("data-id", id);
    await expect(card.getByTestId("triage-contact")).toContainText("citizen@example.cn");
    await expect(page.getByTestId("triage-map").locator("canvas")).toBeVisible();
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.waitForTimeout(1000);
    await page.screenshot({ path: `${SHOTS}/citizen-triage-${lang}.png`, fullPage: true });

    // A rejection needs a reason: the button alone says so and changes nothing.
    await card.getByTestId("triage-reject").click();
    await expect(card.getByTestId("triage-error")).toHaveText(lang === "en" ? "Write the reason for rejecting it first." : "请先填写驳回理由。");
    await expect(card).toHaveAttribute("data-status", "submitted");

    await card.getByTestId("triage-confirm").click();
    await expect(card).toHaveAttribute("data-status", "confirmed");
    await expect(card.getByTestId("triage-status")).toHaveText(lang === "en" ? "Confirmed" : "已确认");
    await page.screenshot({ path: `${SHOTS}/citizen-triage-confirmed-${lang}.png`, fullPage: true });

    await page.goto(`/report/${id}`);
    await expect(page.getByTestId("public-status")).toHaveText(lang === "en" ? "Confirmed" : "已确认");
    await expect(page.getByTestId("report-history").locator("li")).toHaveCount(2);
  });
}
