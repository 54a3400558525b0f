import fs from "node:fs";
import { expect, test } from "./test";
import { demoUser, signIn } from "./sign-in";
import { fillReport } from "./citizen";

const SHOTS = "e2e/screenshots";
const phone = (lang: "zh-CN" | "en") => ({ locale: lang === "en" ? "en-US" : "zh-CN", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

// The department's side on a phone, in both languages: a citizen files a signed report in the
// browser, an unsigned duplicate arrives through Open311 at the same spot; the Transport
// Bureau's official sees both on the triage map and list, with the duplicate suggested,
// confirms the first and merges the second into it; the citizen's key earns the points, sees
// them with their ledger proof in "My reports", and appears (by pseudonym) on the leaderboard.
for (const lang of ["zh-CN", "en"] as const) {
  test(`a report goes from triage to confirmation, merge and credit on a phone (${lang})`, async ({ browser, baseURL }) => {
    const en = lang === "en";
    fs.mkdirSync(SHOTS, { recursive: true });
    const citizenCtx = await browser.newContext({ baseURL, ...phone(lang) });
    const officialCtx = await browser.newContext({ baseURL, ...phone(lang) });
    for (const c of [citizenCtx, officialCtx]) await c.addCookies([{ name: "lang", value: lang, url: baseURL! }]);
    const citizen = await citizenCtx.newPage();
    const official = await officialCtx.newPage();
    await signIn(official.request, baseURL!, demoUser("traffic", "official"));

    // The citizen files a pothole report with the browser's key.
    const description = en ? `Pothole by the school gate ${Date.now()}` : `学校门口路面坑洼 ${Date.now()}`;
    const reporter = await fillReport(citizen, { service: "pothole", description, dx: en ? 30 : -30 });
    await citizen.getByTestId("report-submit").click();
    await expect(citizen.getByTestId("report-receipt")).toBeVisible();
    const kept = (await citizen.getByTestId("receipt-id").textContent())!;

    // A second report of the same pothole, unsigned, through Open311 at the same point.
    const queue = (await (await official.request.get("/api/citizen/triage?status=all")).json()) as { id: string; exact: [number, number] }[];
    const point = queue.find((r) => r.id === kept)!.exact;
    const dupText = en ? `Big hole in the road ${Date.now()}` : `马路上有个大坑 ${Date.now()}`;
    const filed = await official.request.post("/open311/v2/requests.json", { form: { service_code: "pothole", description: dupText, lat: String(point[1]), long: String(point[0]), email: "neighbour@example.cn" } });
    expect(filed.status(), await filed.text()).toBe(201);
    const [{ service_request_id: dup }] = (await filed.json()) as { service_request_id: string }[];

    // Triage: both on the map and in the list; the duplicate suggested; contact details shown to the department.
    await official.goto("/triage");
    // On a phone the header's links sit in its menu: the triage link is there for a signed-in official.
    const triageLink = official.locator(`a.nav-link[href="/triage"]`);
    await expect(triageLink).toBeHidden();
    await official.getByTestId("nav-toggle").click();
    await expect(triageLink).toBeVisible();
    await official.screenshot({ path: `${SHOTS}/citizen-phone-menu-${lang}.png` });
    await triageLink.click();
    await expect(triageLink).toBeHidden();
    const keptCard = official.locator(`[data-testid="triage-report"][data-id="${kept}"]`);
    const dupCard = official.locator(`[data-testid="triage-report"][data-id="${dup}"]`);
    await expect(keptCard).toContainText(description);
    await expect(dupCard.getByTestId("triage-contact")).toContainText("neighbour@example.cn");
    await expect(dupCard.locator(`[data-testid="triage-duplicate"][data-id="${kept}"]`)).toContainText(en ? "0 m, 0 h apart" : "相距 0 米、0 小时");
    await expect(official.getByTestId("triage-map").locator("canvas")).toBeVisible();
    await official.waitForTimeout(1000);
    await official.screenshot({ path: `${SHOTS}/citizen-triage-${lang}.png`, fullPage: true });

    // A rejection needs a reason: the button alone says so and changes nothing.
    await dupCard.getByTestId("triage-reject").click();
    await expect(dupCard.getByTestId("triage-error")).toHaveText(en ? "Write the reason for rejecting it first." : "请先填写驳回理由。");
    await expect(dupCard).toHaveAttribute("data-status", "submitted");

    await keptCard.getByTestId("triage-confirm").click();
    await expect(keptCard).toHaveAttribute("data-status", "confirmed");
    await expect(keptCard.getByTestId("triage-status")).toHaveText(en ? "Confirmed" : "已确认");
    await dupCard.locator(`[data-testid="triage-duplicate"][data-id="${kept}"]`).getByTestId("triage-merge").click();
    await expect(dupCard).toHaveCount(0);
    await official.getByTestId("triage-filter").selectOption("merged");
    await expect(dupCard).toHaveAttribute("data-status", "merged");
    await official.getByTestId("triage-filter").selectOption("open");
    await official.screenshot({ path: `${SHOTS}/citizen-triage-confirmed-${lang}.png`, fullPage: true });

    // The public pages: the kept report confirmed, the duplicate pointing at it.
    await citizen.goto(`/report/${dup}`);
    await expect(citizen.getByTestId("public-status")).toHaveText(en ? "Merged as a duplicate" : "已作为重复合并");
    await expect(citizen.getByTestId("report-merged-into").locator("a")).toHaveAttribute("href", `/report/${kept}`);

    // The citizen's key earned the points; the proof is the credit.v1 leaf.
    await citizen.goto("/report/mine");
    const mine = citizen.getByTestId("mine-report").filter({ has: citizen.locator(`a[href="/report/${kept}"]`) });
    await expect(mine.getByTestId("report-history").locator("li")).toHaveCount(2);
    await expect(citizen.getByTestId("credit-balance")).toHaveAttribute("data-balance", "10");
    const entry = citizen.getByTestId("credit-entry");
    await expect(entry).toHaveCount(1);
    await expect(entry).toHaveAttribute("data-reason", "confirmed");
    await expect(entry).toContainText(en ? "report confirmed" : "上报已确认");
    await citizen.screenshot({ path: `${SHOTS}/citizen-credit-${lang}.png`, fullPage: true });
    await entry.getByTestId("credit-proof").click();
    await expect(citizen.getByTestId("entry-viewer")).toHaveAttribute("data-kind", "credit.v1");
    await expect(citizen.getByTestId("entry-fields")).toContainText(reporter);

    await citizen.goto("/report/leaderboard");
    await expect(citizen.locator(`[data-testid="leaderboard-row"][data-reporter="${reporter}"]`)).toHaveAttribute("data-points", "10");
    await expect(citizen.getByTestId("leaderboard")).not.toContainText(description);
    await citizen.screenshot({ path: `${SHOTS}/citizen-leaderboard-${lang}.png`, fullPage: true });
  });
}

// The KPI strip: the 12345 centre (which owns reports.citizen) sees the open reports; the
// Transport Bureau, without a grant of it, sees "no access" in that tile.
test("the KPI strip counts open citizen reports for the department that may read them", async ({ browser, baseURL }) => {
  fs.mkdirSync(SHOTS, { recursive: true });
  // One open report at least, whatever ran before.
  const api = await browser.newContext({ baseURL });
  const city = (await (await api.request.get("/api/city")).json()) as { center: [number, number] };
  const filed = await api.request.post("/open311/v2/requests.json", { form: { service_code: "litter", description: "Rubbish bags by the bus stop", lat: String(city.center[1]), long: String(city.center[0]) } });
  expect(filed.status(), await filed.text()).toBe(201);
  for (const [dept, lang] of [["citizen", "zh-CN"], ["traffic", "en"]] as const) {
    const ctx = await browser.newContext({ baseURL, locale: lang === "en" ? "en-US" : "zh-CN", viewport: { width: 1400, height: 900 } });
    await ctx.addCookies([{ name: "lang", value: lang, url: baseURL! }]);
    const page = await ctx.newPage();
    await signIn(page.request, baseURL!, demoUser(dept, "official"));
    await page.goto("/");
    const tile = page.getByTestId("kpi-reports");
    if (dept === "citizen") {
      await expect(tile).toHaveAttribute("data-state", "ok");
      await expect(tile.getByTestId("kpi-reports-open")).not.toHaveAttribute("data-open", "0");
      await expect(tile.locator(".kpi-title")).toHaveText("市民上报");
    } else {
      await expect(tile).toHaveAttribute("data-state", "none");
      await expect(tile).toContainText("no access");
    }
    await page.getByTestId("kpi-strip").screenshot({ path: `${SHOTS}/citizen-kpi-${dept}-${lang}.png` });
    await ctx.close();
  }
});
