// Takes a screenshot of a page of a running console in Debian's Chromium:
//   tsx scripts/screenshot.ts http://127.0.0.1:3000/ out.png [waitMs] [lang]
import { chromium } from "@playwright/test";

const [url = "http://127.0.0.1:3000/", out = "screenshot.png", wait = "6000", lang = "zh-CN"] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 860 }, locale: lang, extraHTTPHeaders: { "accept-language": lang } });
page.on("console", (m) => m.type() === "error" && console.error(`console: ${m.text()}`));
page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
await page.goto(url);
await page.waitForTimeout(Number(wait));
await page.screenshot({ path: out });
await browser.close();
console.log(`saved ${out}`);
