// The first load of the map, step by step, for profiling the first drawn frame: each request's
// start and end (from navigation start), the WebGL calls that blocked longer than GL_MIN ms
// (default 20; shader compiles and program links wait on the GPU process), and optionally a
// CPU profile of the page (open it in Chrome's DevTools or summarise it). Each run also prints
// the CPU time each Chromium process (the renderer, the GPU process where SwiftShader draws,
// the browser) spent from navigation to the first frame, read from /proc: what the first frame
// costs the machine, apart from what else loads it. PROBE_DATA_DIR and PROBE_DEPARTMENT sign in
// as that department's official first (the bench's views), else the page is opened signed out.
//   tsx scripts/dev/first-frame-probe.ts [base URL] [layers] [runs] [profile.cpuprofile]
import fs from "node:fs";
import { chromiumCpuByType, launchChromium, officialCookie, signedInContext } from "../bench/browser";
const [base = "http://127.0.0.1:3700", layers = "traffic,energy,safety", runs = "1", prof = ""] = process.argv.slice(2);
const WATCH = `(() => {
  const P = WebGL2RenderingContext.prototype;
  const ev = (window.__glev = []);
  const wrap = (name) => { const f = P[name]; P[name] = function (...a) { const t0 = performance.now(); const o = f.apply(this, a); const d = performance.now() - t0; if (d > 5 || name === "linkProgram") ev.push([name, Math.round(t0), Math.round(d)]); return o; }; };
  // Each shader's name (deck.gl's SHADER_NAME, else the first line that says something) and each program's shaders, so a slow call says what it waited for.
  const names = new WeakMap(); const progs = new WeakMap();
  const src = P.shaderSource; P.shaderSource = function (sh, text) { const m = /SHADER_NAME\\s+(\\S+)/.exec(text); names.set(sh, (m ? m[1] : (text.split("\\n").find((l) => /^(in|attribute|uniform)\\s/.test(l.trim())) || "?").trim().slice(0, 60)) + "#" + text.length); return src.call(this, sh, text); };
  const att = P.attachShader; P.attachShader = function (p, sh) { progs.set(p, [...(progs.get(p) || []), names.get(sh)]); return att.call(this, p, sh); };
  const named = (name) => { const f = P[name]; P[name] = function (...a) { const t0 = performance.now(); const o = f.apply(this, a); const d = performance.now() - t0; if (d > 5 || name === "linkProgram") ev.push([name + " " + String(names.get(a[0]) || (progs.get(a[0]) || []).join("+")), Math.round(t0), Math.round(d)]); return o; }; };
  for (const n of ["getShaderParameter", "getProgramParameter", "linkProgram", "compileShader"]) named(n);
  for (const n of ["drawArraysInstanced","drawElementsInstanced","drawArrays","drawElements","bufferData","texImage2D","readPixels","getError","useProgram","clear","clearStencil","uniform1f","getUniformLocation","getActiveUniform","getUniformBlockIndex","getActiveUniformBlockParameter","getAttribLocation","getActiveAttrib"]) wrap(n);
  // When the map says MapLibre has loaded (data-ready="1"): the base map's first complete render.
  new MutationObserver((_, obs) => { if (document.querySelector('[data-ready="1"]')) { window.__readyAt = performance.now(); obs.disconnect(); } }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ready"], childList: true });
})()`;
for (let r = 0; r < Number(runs); r++) {
  const browser = await launchChromium();
  const dept = process.env.PROBE_DEPARTMENT, dataDir = process.env.PROBE_DATA_DIR;
  const ctx = dept && dataDir ? await signedInContext(browser, base, await officialCookie(base, dataDir, dept)) : await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await ctx.addInitScript(WATCH);
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  if (prof) { await cdp.send("Profiler.enable"); await cdp.send("Profiler.setSamplingInterval", { interval: 500 }); await cdp.send("Profiler.start"); }
  const cpu0 = chromiumCpuByType();
  await page.goto(`${base}/?layers=${layers}`);
  // With traffic: the first frame that draws its values; without: MapLibre's "load" (the base map's first complete render).
  if (layers.split(",").includes("traffic")) await page.waitForFunction(() => document.body.dataset.firstFrameMs !== undefined, undefined, { timeout: 120000 });
  else await page.waitForFunction(() => (window as unknown as { __readyAt?: number }).__readyAt !== undefined, undefined, { timeout: 120000 });
  const cpu1 = chromiumCpuByType();
  const ff = await page.evaluate(() => document.body.dataset.firstFrameMs ?? "-");
  const readyAt = await page.evaluate(() => Math.round((window as unknown as { __readyAt?: number }).__readyAt ?? -1));
  const res = await page.evaluate(() => performance.getEntriesByType("resource").filter((e) => e.startTime < 8000).map((e) => [e.name.replace(/^https?:\/\/[^/]+/, "").slice(0, 70), Math.round(e.startTime), Math.round((e as PerformanceResourceTiming).responseEnd), (e as PerformanceResourceTiming).transferSize]));
  const nav = await page.evaluate(() => { const n = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming; return { resp: Math.round(n.responseEnd), dcl: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) }; });
  const glev = await page.evaluate(() => (window as unknown as { __glev: [string, number, number][] }).__glev);
  console.log(`run ${r}: first frame ${ff} ms; base map loaded ${readyAt} ms; nav ${JSON.stringify(nav)}`);
  // Read when the wait above returned (up to its polling interval after the frame).
  console.log(`  Chromium CPU from navigation to the first frame: ${[...cpu1].map(([type, ms]) => `${type} ${Math.round(ms - (cpu0.get(type) ?? 0))} ms`).join(", ")}`);
  for (const x of res) console.log(`  res ${String(x[1]).padStart(5)}→${String(x[2]).padStart(5)} ${x[0]} ${x[3]}`);
  const big = glev.filter((e) => e[2] > Number(process.env.GL_MIN ?? 20));
  console.log(`  gl events: ${glev.length}, links ${glev.filter((e) => e[0].startsWith("linkProgram")).length}; slow (>20ms):`);
  for (const e of big) console.log(`    ${e[0]} at ${e[1]} took ${e[2]}`);
  if (prof) {
    const { profile } = await cdp.send("Profiler.stop");
    fs.writeFileSync(prof, JSON.stringify(profile));
    summarise(profile as CpuProfile, Number(ff));
  }
  await browser.close();
}

type CpuProfile = { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[]; startTime: number };

/** The page's main thread up to the first frame: self time by script and the functions that took most. */
function summarise(p: CpuProfile, untilMs: number) {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const byUrl = new Map<string, number>(), byFn = new Map<string, number>();
  let t = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] / 1000;
    const f = byId.get(p.samples[i])!;
    const url = f.url ? f.url.replace(/^https?:\/\/[^/]+/, "").replace(/\?.*$/, "").slice(-60) : `(${f.functionName || "native"})`;
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    if (Number.isFinite(untilMs) && t > untilMs + 200) break;
    byUrl.set(url, (byUrl.get(url) ?? 0) + dt);
    const fn = `${f.functionName || "(anonymous)"} ${url}:${f.lineNumber}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + dt);
  }
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `    ${String(Math.round(v)).padStart(6)} ms  ${k}`).join("\n");
  console.log(`  page main thread until the first frame, self time by script:\n${top(byUrl, 14)}\n  by function:\n${top(byFn, 20)}`);
}
