import fs from "node:fs";
import { expect, test } from "./test";
import { demoUser, signIn } from "./sign-in";
import { fillReport } from "./citizen";

const SHOTS = "e2e/screenshots";
const phone = (lang: "zh-CN" | "en") => ({ locale: lang === "en" ? "en-US" : "zh-CN", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

// Abuse, on phones in both languages: the Transport Bureau's official marks a reporter key
// abusive from the triage card, giving a reason; the key's holder sees the mark and its reason
// in "My reports" and appeals there, signing with the browser's key; the bureau's admin sees
// the appeal on the card and lifts the mark. Each step is a reporter.v1 leaf.
for (const lang of ["zh-CN", "en"] as const) {
  test(`a key marked abusive is appealed by its holder and lifted by the admin (${lang})`, async ({ browser, baseURL }) => {
    const en = lang === "en";
    fs.mkdirSync(SHOTS, { recursive: true });
    const contexts = await Promise.all([0, 1, 2].map(() => browser.newContext({ baseURL, ...phone(lang) })));
    for (const c of contexts) await c.addCookies([{ name: "lang", value: lang, url: baseURL! }]);
    const [citizen, official, admin] = await Promise.all(contexts.map((c) => c.newPage()));
    await signIn(official.request, baseURL!, demoUser("traffic", "official"));
    await signIn(admin.request, baseURL!, demoUser("traffic", "dept_admin"));

    const description = en ? `Same pothole, twentieth time ${Date.now()}` : `同一个坑第二十次 ${Date.now()}`;
    const reporter = await fillReport(citizen, { service: "pothole", description, dx: en ? 60 : -60 });
    await citizen.getByTestId("report-submit").click();
    await expect(citizen.getByTestId("report-receipt")).toBeVisible();
    const id = (await citizen.getByTestId("receipt-id").textContent())!;

    // The official marks the key, with a reason (refused without one).
    await official.goto("/triage");
    const card = official.locator(`[data-testid="triage-report"][data-id="${id}"]`);
    const mark = card.getByTestId("key-mark");
    await mark.locator("summary").click();
    await mark.getByTestId("key-mark-flag").click();
    await expect(mark.getByTestId("key-mark-error")).toHaveText(en ? "Give the reason first" : "请先填写理由");
    const reason = en ? "Twenty copies of one report in an hour" : "一小时内重复上报二十次";
    await mark.getByTestId("key-mark-note").fill(reason);
    await mark.getByTestId("key-mark-flag").click();
    await expect(mark).toHaveAttribute("data-status", "flagged");
    await expect(mark.getByTestId("key-mark-reason")).toHaveText(reason);
    await expect(mark.locator("summary")).toContainText(en ? "Reporter key marked abusive by Transport Bureau" : "上报人密钥已被");
    // An official cannot decide on the mark: only the admin.
    await expect(mark.getByTestId("key-mark-lift")).toHaveCount(0);
    await card.scrollIntoViewIfNeeded();
    await official.screenshot({ path: `${SHOTS}/citizen-key-flagged-${lang}.png`, fullPage: true });

    // The holder sees it and appeals, signing with the key.
    await citizen.goto("/report/mine");
    await expect(citizen.getByTestId("mine-reporter")).toContainText(reporter);
    const notice = citizen.getByTestId("key-flag");
    await expect(notice).toHaveAttribute("data-status", "flagged");
    await expect(notice.getByTestId("key-flag-reason")).toHaveText(reason);
    const appeal = en ? "My phone resent the report while offline" : "手机离线时自动重发了上报";
    await notice.getByTestId("appeal-text").fill(appeal);
    await notice.getByTestId("appeal-send").click();
    await expect(notice).toHaveAttribute("data-status", "appealed");
    await expect(notice.getByTestId("appeal-text")).toHaveCount(0);
    await citizen.screenshot({ path: `${SHOTS}/citizen-key-appeal-${lang}.png`, fullPage: true });

    // The admin sees the appeal and lifts the mark.
    await admin.goto("/triage");
    const adminMark = admin.locator(`[data-testid="triage-report"][data-id="${id}"]`).getByTestId("key-mark");
    await expect(adminMark).toHaveAttribute("data-status", "appealed");
    await expect(adminMark.getByTestId("key-mark-appeal")).toHaveText(appeal);
    await adminMark.getByTestId("key-mark-note").fill(en ? "Confirmed with the reporter: an app fault" : "已与上报人核实：应用故障");
    await adminMark.getByTestId("key-mark-lift").click();
    await expect(adminMark).toHaveAttribute("data-status", "lifted");

    await citizen.reload();
    await expect(citizen.getByTestId("key-flag")).toHaveAttribute("data-status", "lifted");
    // The three steps are reporter.v1 leaves of the public log (newest first).
    const steps = async () => {
      const res = (await (await admin.request.get(`/api/ledger/entries?kind=reporter.v1&limit=100`)).json()) as { entries?: { entry: { reporter: string; action: string } }[] };
      return (res.entries ?? []).filter((e) => e.entry.reporter === reporter).map((e) => e.entry.action);
    };
    await expect.poll(steps).toEqual(["lift", "appeal", "flag"]);
  });
}
