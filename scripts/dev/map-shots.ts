// Screenshots of the console's map as an official sees it, to compare builds by eye: signs in as
// a department's official, opens the map with LAYERS in each language, waits for the first
// drawn frame and 4 s more, and saves the page at city zoom, then at street zoom (13) and with
// the pointer resting on the map's centre (a hover tooltip if a feature is under it).
//   tsx scripts/dev/map-shots.ts BASE DATA_DIR OUT_PREFIX [layers] [department]
// Writes OUT_PREFIX-{zh,en}-{city,street}.png.
import { launchChromium, officialCookie, signedInContext } from "../bench/browser";

const [base = "http://127.0.0.1:3392", dataDir = "/tmp/bench10-pan", out = "/tmp/map", layers = "traffic,energy,safety", department = "traffic"] = process.argv.slice(2);

async function main() {
  const cookie = await officialCookie(base, dataDir, department);
  const browser = await launchChromium();
  try {
    for (const lang of ["zh", "en"]) {
      const ctx = await signedInContext(browser, base, cookie);
      const page = await ctx.newPage();
      await page.goto(`${base}/?layers=${layers}&lang=${lang}`, { timeout: 150_000 });
      if (layers.includes("traffic")) await page.waitForFunction(() => document.body.dataset.firstFrameMs !== undefined, undefined, { timeout: 150_000 });
      await page.waitForFunction(() => (window as unknown as { cityBrainMap?: unknown }).cityBrainMap !== undefined, undefined, { timeout: 150_000 });
      await page.waitForTimeout(4000);
      await page.screenshot({ path: `${out}-${lang}-city.png` });
      const box = (await page.locator("canvas.maplibregl-canvas").boundingBox())!;
      await page.evaluate(`window.cityBrainMap.jumpTo({ zoom: 13 })`);
      await page.waitForTimeout(6000);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForTimeout(1500);
      await page.screenshot({ path: `${out}-${lang}-street.png` });
      console.log(`${out}-${lang}-{city,street}.png`);
      await ctx.close();
    }
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
