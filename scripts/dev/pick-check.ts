// At city zoom, hovers the middle of some segments of each city line layer (traffic-segments-city,
// energy-feeders-city) and prints which segment deck.gl picks there and the page's tooltip:
// SegmentLineLayer's picking (the segment's index from gl_VertexID) checked in the browser.
//   tsx scripts/dev/pick-check.ts BASE DATA_DIR [department]
import { launchChromium, officialCookie, signedInContext } from "../bench/browser";

const [base = "http://127.0.0.1:3392", dataDir = "/tmp/bench10-pan", department = "traffic"] = process.argv.slice(2);

async function main() {
  const cookie = await officialCookie(base, dataDir, department);
  const browser = await launchChromium();
  try {
    const page = await (await signedInContext(browser, base, cookie)).newPage();
    await page.goto(`${base}/?layers=traffic,energy,safety&lang=en`, { timeout: 150_000 });
    await page.waitForFunction(() => document.body.dataset.firstFrameMs !== undefined, undefined, { timeout: 150_000 });
    await page.waitForFunction(() => (window as unknown as { cityBrainMap?: unknown }).cityBrainMap !== undefined, undefined, { timeout: 150_000 });
    await page.waitForTimeout(4000);
    const box = (await page.locator("canvas.maplibregl-canvas").boundingBox())!;
    for (const id of ["traffic-segments-city", "energy-feeders-city"]) {
      // Long segments near the middle of the canvas, as [index, x, y].
      const cands = (await page.evaluate(`(() => {
        const deck = window.cityBrainMap.__deck, vp = deck.getViewports()[0];
        const l = deck.layerManager.getLayers().find((x) => x.id === ${JSON.stringify(id)});
        const a = l.props.data.attributes, s = a.getSourcePosition.value, t = a.getTargetPosition.value, out = [];
        for (let i = 0; i < l.props.data.length / 4; i++) {
          const p = vp.project([s[12 * i], s[12 * i + 1]]), q = vp.project([t[12 * i], t[12 * i + 1]]);
          const x = (p[0] + q[0]) / 2, y = (p[1] + q[1]) / 2;
          if (Math.hypot(q[0] - p[0], q[1] - p[1]) > 12 && x > 350 && x < 1300 && y > 300 && y < 600) out.push([i, x, y]);
        }
        return out.filter((_, k) => k % 37 === 0).slice(0, 3);
      })()`)) as [number, number, number][];
      console.log(`${id}: ${cands.length} segments tried`);
      for (const [i, x, y] of cands) {
        const picked = await page.evaluate(`(() => {
          const m = window.cityBrainMap, o = m._controls.find((c) => c._deck === m.__deck);
          o.setProps({ _pickable: true });
          try { const h = o.pickObject({ x: ${x}, y: ${y}, radius: 0, layerIds: [${JSON.stringify(id)}] }); return h ? h.index : null; } finally { o.setProps({ _pickable: false }); }
        })()`);
        await page.mouse.move(box.x + x, box.y + y);
        const tip = await page.getByTestId("map-tooltip").innerText({ timeout: 5000 }).catch(() => "(no tooltip)");
        console.log(`${id} segment ${i} at (${Math.round(x)}, ${Math.round(y)}): picked ${picked}; tooltip: ${tip.replaceAll("\n", " | ")}`);
        await page.mouse.move(box.x + 5, box.y + 5);
        await page.waitForTimeout(300);
      }
    }
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
