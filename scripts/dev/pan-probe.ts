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
// PROBE_SHOT=file.png: a screenshot of the map before the first pan. PROBE_TWEAKS: JSON list of
// {label, parameters, layers: {idPrefix: props}}, each a further pan with all layers, these WebGL
// parameters and these layer props.
// Before the pans it prints each visible layer's fragments (estimated from its data).
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

/**
 * Per visible deck.gl layer with binary data: objects on screen and the fragments they cover,
 * estimated from the layer's own attributes and props and the current viewport: LineLayer
 * length × max(width × widthScale, widthMinPixels) (clipped to the canvas); PathLayer the same
 * per path vertex pair (SegmentLineLayer as LineLayer); ColumnLayer (flat hexagons) the hexagon's area; ScatterplotLayer the
 * quad its fragment shader runs over, (2 × (radius + stroke) + 2)².
 */
const FRAGMENTS = `(() => {
  const deck = window.cityBrainMap.__deck;
  const vp = deck.getViewports()[0];
  const W = vp.width, H = vp.height;
  const clipLen = (x0, y0, x1, y1) => {
    let t0 = 0, t1 = 1; const dx = x1 - x0, dy = y1 - y0;
    for (const [p, q] of [[-dx, x0], [dx, W - x0], [-dy, y0], [dy, H - y0]]) {
      if (p === 0) { if (q < 0) return 0; continue; }
      const r = q / p; if (p < 0) { if (r > t1) return 0; if (r > t0) t0 = r; } else { if (r < t0) return 0; if (r < t1) t1 = r; }
    }
    return Math.hypot(dx, dy) * (t1 - t0);
  };
  const out = [];
  for (const l of deck.layerManager.getLayers()) {
    if (l.isComposite || !l.props.visible) continue;
    const a = l.props.data && l.props.data.attributes;
    const type = l.constructor.layerName;
    let on = 0, frags = 0;
    const wOf = (i, wa) => { const w = wa ? wa.value[i] : (typeof l.props.getWidth === "number" ? l.props.getWidth : 1); return Math.max(w * (l.props.widthScale ?? 1), l.props.widthMinPixels ?? 0); };
    if ((type === "LineLayer" || type === "SegmentLineLayer") && a && a.getSourcePosition) {
      // SegmentLineLayer: the same values for each of a segment's 6 vertices.
      const s = a.getSourcePosition.value, t = a.getTargetPosition.value, wa = a.getWidth, step = type === "LineLayer" ? 1 : 6;
      for (let i = 0; i < l.props.data.length; i += step) {
        const p = vp.project([s[3 * i], s[3 * i + 1]]), q = vp.project([t[3 * i], t[3 * i + 1]]);
        const len = clipLen(p[0], p[1], q[0], q[1]);
        if (len > 0) { on++; frags += len * wOf(i, wa); }
      }
    } else if (type === "PathLayer" && a && a.getPath) {
      const v = a.getPath.value, size = a.getPath.size, st = l.props.data.startIndices, wa = a.getWidth;
      for (let k = 0; k < l.props.data.length; k++) {
        let any = false;
        for (let j = st[k]; j < st[k + 1] - 1; j++) {
          const p = vp.project([v[size * j], v[size * j + 1]]), q = vp.project([v[size * j + size], v[size * j + size + 1]]);
          const len = clipLen(p[0], p[1], q[0], q[1]);
          if (len > 0) { any = true; frags += len * wOf(j, wa); }
        }
        if (any) on++;
      }
    } else if (type === "ColumnLayer" && a && a.getPosition) {
      const v = a.getPosition.value, n = l.props.data.length;
      const c = vp.project([v[0], v[1]]);
      const m = vp.getDistanceScales().unitsPerMeter[0] * vp.scale;
      const r = l.props.radius * (l.props.coverage ?? 1) * m;
      const area = 1.5 * Math.sqrt(3) * r * r;
      const fill = a.getFillColor && a.getFillColor.value;
      for (let i = 0; i < n; i++) {
        if (fill && fill[4 * i + 3] === 0) continue;
        const p = vp.project([v[3 * i], v[3 * i + 1]]);
        if (p[0] > -r && p[0] < W + r && p[1] > -r && p[1] < H + r) { on++; frags += area; }
      }
    } else if (type === "ScatterplotLayer" && a && a.getPosition) {
      const v = a.getPosition.value, n = l.props.data.length, ra = a.getRadius;
      for (let i = 0; i < n; i++) {
        const p = vp.project([v[3 * i], v[3 * i + 1]]);
        const r = (ra ? ra.value[i] : (typeof l.props.getRadius === "number" ? l.props.getRadius : 1)) * (l.props.radiusScale ?? 1) + (l.props.stroked ? (l.props.lineWidthMinPixels ?? 1) : 0);
        if (p[0] > -r && p[0] < W + r && p[1] > -r && p[1] < H + r) { on++; frags += (2 * r + 2) * (2 * r + 2); }
      }
    } else continue;
    out.push({ id: l.id, on, frags: Math.round(frags) });
  }
  return out;
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
    // Fragments each visible layer asks the rasteriser for (SwiftShader shades every one on the
    // CPU): a LineLayer's on-screen length × width, a hexagon's area, a point's quad.
    const frags = (await page.evaluate(FRAGMENTS)) as { id: string; on: number; frags: number }[];
    const screen = await page.evaluate(`(() => { const c = document.querySelector("canvas.maplibregl-canvas"); return c.width * c.height; })()`);
    console.log(`fragments per frame on a ${fmt((screen as number) / 1e6, 2)} M pixel canvas (estimate: on-screen objects, coverage in pixels):`);
    for (const f of frags) console.log(`  ${f.id.padEnd(48)} ${String(f.on).padStart(7)} on screen, ${fmt(f.frags / 1e3, 0).padStart(6)}k fragments (${fmt(f.frags / (screen as number), 2)} screens)`);
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
    // PROBE_TWEAKS: JSON list of {label, parameters?, layers?}: all layers panned once more with
    // these WebGL parameters given to the overlay (over its interleaved defaults) and these props
    // cloned into the layers whose id starts with each key (every layer the page sets, also while
    // panning: the overlay's setProps is wrapped), then both reset.
    for (const v of JSON.parse(process.env.PROBE_TWEAKS ?? "[]") as { label: string; parameters?: Record<string, unknown>; layers?: Record<string, Record<string, unknown>> }[]) {
      const set = (t: unknown) => page.evaluate(`(() => {
        window.__tweak = ${JSON.stringify(t ?? null)};
        const m = window.cityBrainMap;
        const o = m._controls.find((c) => c._deck === m.__deck);
        const tweak = (ls) => ls && ls.map((l) => { const t = window.__tweak; if (!l || !t || !t.layers) return l; const k = Object.keys(t.layers).find((p) => l.id.startsWith(p)); return k ? l.clone(t.layers[k]) : l; });
        if (!o.__setProps) {
          o.__setProps = o.setProps.bind(o);
          o.__raw = o._props.layers;
          o.setProps = (p) => { if (p.layers) o.__raw = p.layers; return o.__setProps(p.layers ? { ...p, layers: tweak(p.layers) } : p); };
        }
        o._props.parameters = window.__tweak ? window.__tweak.parameters : undefined;
        o.__setProps({ layers: tweak(o.__raw) });
      })()`);
      await set(v);
      await pan(v.label, []);
      await set(null);
    }
    await pan("all layers again", []);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
