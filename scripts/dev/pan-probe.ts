// What a pan at city zoom costs, frame by frame, and which of deck.gl's layers cost it: signs in
// as a department's official, opens the map with LAYERS, waits for the first drawn frame, then
// pans (six drags, as bench:map) once per configuration: all layers, then each of deck.gl's
// layers (or a group of them by id prefix) left out with deck.gl's `layerFilter`, and deck.gl
// left out entirely. Each line says the frame times (median, p95), and per frame the WebGL draw
// calls, the vertices drawn (vertices × instances, deck.gl's and MapLibre's together), the bytes
// uploaded (bufferData / bufferSubData / texImage / texSubImage) and programs switched; first the
// layers deck.gl holds, each with its instance and vertex counts.
//   tsx scripts/dev/pan-probe.ts BASE DATA_DIR [layers] [department] [groups]
// groups: comma-separated id prefixes to leave out one at a time, "+" joining prefixes left out
// together (default: every layer drawn, one at a time). PROBE_DRAGS: drags per configuration (6);
// PROBE_SHOT=file.png: a screenshot of the map before the first pan.
// CPU time per frame of Chromium's GPU process (SwiftShader draws there) and of the renderer is
// read from /proc: steadier than frame times on a machine that others load.
import { chromiumProcesses, frameTimes, launchChromium, mapDrag, officialCookie, signedInContext } from "../bench/browser";
import { fmt, percentile } from "../bench/stats";
import { load, procCpuMs, sha256Rate } from "../bench/machine";

const cpuOf = (pids: number[] | undefined) => (pids ?? []).reduce((s, p) => s + procCpuMs(p), 0);

const [base = "http://127.0.0.1:3392", dataDir = "/tmp/bench10-pan", layers = "traffic,energy,safety", department = "traffic", groupArg = ""] = process.argv.slice(2);

/** Drags per configuration (PROBE_DRAGS, 6 as bench:map). */
const DRAGS = Number(process.env.PROBE_DRAGS ?? 6);

const GL_COUNT = `(() => {
  const P = WebGL2RenderingContext.prototype;
  const c = (window.__glc = { draws: 0, verts: 0, upload: 0, programs: 0, byProgram: {} });
  let cur = "?";
  const names = new WeakMap(), progs = new WeakMap();
  const src = P.shaderSource; P.shaderSource = function (sh, text) { const m = /SHADER_NAME\\s+(\\S+)/.exec(text); names.set(sh, m ? m[1].replace(/-(vertex|fragment)(-shader)?$/, "") : "maplibre"); return src.call(this, sh, text); };
  const att = P.attachShader; P.attachShader = function (p, sh) { if (!progs.has(p)) progs.set(p, names.get(sh)); return att.call(this, p, sh); };
  const use = P.useProgram; P.useProgram = function (p) { c.programs++; cur = (p && progs.get(p)) || "?"; return use.call(this, p); };
  const add = (n) => { const b = c.byProgram[cur] || (c.byProgram[cur] = { draws: 0, verts: 0 }); b.draws++; b.verts += n; c.draws++; c.verts += n; };
  const wrap = (name, count) => { const f = P[name]; P[name] = function (...a) { add(count(a)); return f.apply(this, a); }; };
  wrap("drawArrays", (a) => a[2]);
  wrap("drawElements", (a) => a[1]);
  wrap("drawArraysInstanced", (a) => a[2] * a[3]);
  wrap("drawElementsInstanced", (a) => a[1] * a[4]);
  const bytes = (x) => (x && typeof x === "object" && "byteLength" in x ? x.byteLength : typeof x === "number" ? x : 0);
  for (const [name, at] of [["bufferData", 1], ["bufferSubData", 2]]) { const f = P[name]; P[name] = function (...a) { c.upload += bytes(a[at]); return f.apply(this, a); }; }
  for (const name of ["texImage2D", "texSubImage2D"]) { const f = P[name]; P[name] = function (...a) { const d = a[a.length - 1]; c.upload += bytes(d) || (d && d.width ? d.width * d.height * 4 : 0); return f.apply(this, a); }; }
})()`;

type Counts = { draws: number; verts: number; upload: number; programs: number; byProgram: Record<string, { draws: number; verts: number }> };

async function main() {
  const cookie = await officialCookie(base, dataDir, department);
  const browser = await launchChromium();
  try {
    const ctx = await signedInContext(browser, base, cookie);
    await ctx.addInitScript(GL_COUNT);
    const page = await ctx.newPage();
    await page.goto(`${base}/?layers=${layers}`, { timeout: 150_000 });
    if (layers.includes("traffic")) await page.waitForFunction(() => document.body.dataset.firstFrameMs !== undefined, undefined, { timeout: 150_000 });
    else await page.locator("canvas.maplibregl-canvas").waitFor({ timeout: 150_000 });
    // The map is exposed at MapLibre's load, which can come after deck.gl's first frame.
    await page.waitForFunction(() => (window as unknown as { cityBrainMap?: unknown }).cityBrainMap !== undefined, undefined, { timeout: 150_000 });
    await page.waitForTimeout(4000);
    if (process.env.PROBE_SHOT) await page.screenshot({ path: process.env.PROBE_SHOT });
    const zoom = await page.evaluate(`window.cityBrainMap.getZoom()`);
    const held = (await page.evaluate(`(() => {
      const deck = window.cityBrainMap.__deck;
      return deck.layerManager.getLayers().filter((l) => !l.isComposite).map((l) => {
        const m = l.getModels ? l.getModels() : [];
        return { id: l.id, visible: l.props.visible, instances: l.getNumInstances ? l.getNumInstances() : -1, models: m.map((x) => (x.vertexCount ?? -1) + "v" + (x.instanceCount ? "×" + x.instanceCount : "")).join(" ") };
      });
    })()`)) as { id: string; visible: boolean; instances: number; models: string }[];
    console.log(`map at zoom ${fmt(zoom as number, 2)} with ${layers || "no layers"} as the ${department} official; deck.gl layers:`);
    for (const l of held) console.log(`  ${l.id.padEnd(48)} ${l.visible ? "visible" : "hidden "} instances ${String(l.instances).padStart(7)}  models ${l.models}`);
    const topIds = [...new Set(held.filter((l) => l.visible).map((l) => l.id.split("-").slice(0, 2).join("-")))];
    const groups = groupArg ? groupArg.split(",") : topIds;
    const { drag } = await mapDrag(page);
    const pan = async (label: string, hide: string[] | "all") => {
      await page.evaluate(`(() => {
        const hide = ${JSON.stringify(hide)};
        window.cityBrainMap.__deck.setProps({ layerFilter: hide === "all" ? () => false : ({ layer }) => !hide.some((p) => layer.id.startsWith(p)) });
        window.cityBrainMap.triggerRepaint();
      })()`);
      await page.waitForTimeout(1500);
      const c0 = (await page.evaluate(`JSON.parse(JSON.stringify(window.__glc))`)) as Counts;
      let t0 = 0, gpu0 = 0, ren0 = 0;
      const procs = chromiumProcesses();
      const frames = (
        await frameTimes(page, async () => {
          t0 = Date.now();
          gpu0 = cpuOf(procs.get("gpu-process"));
          ren0 = cpuOf(procs.get("renderer"));
          for (let k = 0; k < DRAGS; k++) await drag(k % 2 ? -220 : 220, k % 3 ? 90 : -90);
          await page.waitForTimeout(500);
        })
      ).filter((f) => f > 0);
      const c1 = (await page.evaluate(`JSON.parse(JSON.stringify(window.__glc))`)) as Counts;
      const n = Math.max(1, frames.length);
      const gpuMs = (cpuOf(procs.get("gpu-process")) - gpu0) / n, renMs = (cpuOf(procs.get("renderer")) - ren0) / n;
      const per = (k: "draws" | "verts" | "upload" | "programs") => (c1[k] - c0[k]) / n;
      const progs = Object.entries(c1.byProgram)
        .map(([p, v]) => [p, (v.draws - (c0.byProgram[p]?.draws ?? 0)) / n, (v.verts - (c0.byProgram[p]?.verts ?? 0)) / n] as const)
        .filter((x) => x[1] > 0)
        .sort((a, b) => b[2] - a[2])
        .map(([p, d, v]) => `${p} ${fmt(d, 0)}×/${fmt(v / 1000, 0)}k`)
        .join(", ");
      console.log(
        `${label.padEnd(40)} median ${fmt(percentile(frames, 50), 0).padStart(5)} ms, p95 ${fmt(percentile(frames, 95), 0).padStart(5)} ms (${frames.length} frames in ${fmt((Date.now() - t0) / 1000, 1)} s; ${load()}); per frame: GPU process ${fmt(gpuMs, 0)} ms CPU, renderer ${fmt(renMs, 0)} ms CPU, ${fmt(per("draws"), 0)} draws, ${fmt(per("verts") / 1000, 0)}k vertices, ${fmt(per("upload") / 1024, 0)} kB uploaded, ${fmt(per("programs"), 0)} programs`,
      );
      console.log(`    by program (draws/vertices per frame): ${progs}`);
    };
    console.log(`reference rate ${fmt(sha256Rate() / 1e6, 2)} M SHA-256/s`);
    await pan("all layers", []);
    await pan("no deck.gl layer", "all");
    for (const g of groups) await pan(`without ${g}`, g.split("+"));
    await pan("all layers again", []);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
