// npm run bench:map – the city maps' figures on this machine, printed:
//  - a generated city of ~55,000 road segments and ~208,000 point features (CITY_SIZE 10);
//  - 24 hours of readings of every device at 5-minute steps, stored through the ingest's
//    storeReadings (with their ledger leaves) into a temporary embedded database, then folded
//    into the map's rollup;
//  - API payload size (raw and gzip) and latency (median, p95) of full-city layers, their
//    latest values and a 24 h replay at 5-minute buckets, against the running console;
//  - time to the first drawn frame and frame times while panning and zooming, in headless
//    Chromium with SwiftShader (software WebGL: relative figures, not a GPU's).
// Requires a production build (npm run build). Environment: BENCH_CITY_SIZE (10),
// BENCH_HOURS (24), BENCH_PORT (3392), BENCH_KEEP=1 keeps the data folder. BENCH_DATA_DIR=<folder>
// fills that folder once (minutes) and reuses it on later runs (readings then end when it was
// filled; live ingest continues from the simulator). BENCH_ONLY=browser skips the API figures,
// BENCH_ONLY=fill stops after filling, BENCH_ONLY=first after the first requests (below),
// BENCH_ONLY=replay measures only the first requests and
// replay in the browser (seek, back to live). BENCH_VIEWS picks browser views by name, comma-
// separated: all, traffic, energy, safety, base (e.g. BENCH_VIEWS=all,base); a view not drawn and
// measured within BENCH_VIEW_TIMEOUT_MS (150 s) is printed as a timeout and the next one runs.
// BENCH_PAN=0 stops each view at its first drawn frame. BENCH_IDLE_S (20) is how long the
// console's CPU is read with no page open, after the first requests. BENCH_TIMELINE=1 prints each
// view's API requests until its first drawn frame, sent and answered. BENCH_RETURN=1 opens each
// view with traffic a second time in the same browser context after its first frame, as an
// official returning to the map finds it (the page's code, its compiled scripts and the GPU
// process's programs already cached), and prints that first frame beside. BENCH_PROFILE=1 prints
// a CPU profile of the page's main thread at the first seek and back to live (=all: at each);
// every replay step also says which shaders WebGL compiled (scripts/bench/gl-watch.ts). The
// replay figures start once the base map has loaded, and print the load average and the
// machine's reference rate (one thread's SHA-256/s) beside them.
// The first 24 h replay request and the first 24 h series of one feature are measured right
// after the console started, before any other request warms what they read.
// BENCH_CONSOLE_PROF=DIR runs the console under --cpu-prof, its profile written to DIR as it stops.
// BENCH_CONSOLE_STATEMENTS=FILE times its embedded database's engine by statement
// (scripts/dev/pglite-statements.ts; PGLITE_STATEMENTS_AFTER_S and _SLOW_MS pass through).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import type { Page } from "@playwright/test";
import { openDb } from "../lib/db/client";
import { generateCity } from "../lib/city";
import { createSimulator } from "../lib/sim";
import { seedCity } from "../lib/server/seed";
import { storeReadings, type AcceptedReading } from "../lib/ingest/store-readings";
import { refreshRollup } from "../lib/map/rollup";
import { warmReplayChunks } from "../lib/map/get-layer-frames";
import { fmt, percentile } from "./bench/stats";
import { benchViews } from "./bench/views";
import { GL_READ, GL_WATCH_SCRIPT, glDelta, type GlCounts } from "./bench/gl-watch";
import { procCpuMs, sha256Rate, load, threadCpuMs } from "./bench/machine";
import { CHECK_THREAD_NAME } from "../lib/ingest/check-pool";
import { SIM_SIGN_THREAD_NAME } from "../lib/sim/sim-sign";
import { frameTimes, launchChromium, mapDrag, officialCookie, signedInContext } from "./bench/browser";

const SIZE = Number(process.env.BENCH_CITY_SIZE ?? 10);
const HOURS = Number(process.env.BENCH_HOURS ?? 24);
const PORT = Number(process.env.BENCH_PORT ?? 3392);
const BASE = `http://127.0.0.1:${PORT}`;
const STEP_MS = 5 * 60_000;

/** How long one browser view may take to draw and be measured before it is printed as a timeout (BENCH_VIEW_TIMEOUT_MS). */
const VIEW_TIMEOUT_MS = Number(process.env.BENCH_VIEW_TIMEOUT_MS ?? 150_000);

const mb = (n: number) => `${fmt(n / 1e6, 2)} MB`;

/** Fills HOURS of readings of every device at 5-minute steps, ending 5 minutes ago. */
async function fill(dataDir: string) {
  const city = generateCity({ seed: "yantai", size: SIZE });
  console.log(
    `city: size ${SIZE}, ${city.stats.segments.toLocaleString("en-US")} road segments, ${city.stats.pointFeatures.toLocaleString("en-US")} point features ` +
      `(${city.stats.pois.toLocaleString("en-US")} POIs), ${city.stats.devices.toLocaleString("en-US")} devices (${city.stats.trafficSensors.toLocaleString("en-US")} traffic sensors)`,
  );
  const db = await openDb({ dataDir });
  await seedCity(db, city);
  const sim = createSimulator({ city, seed: "yantai" });
  const end = Math.floor(Date.now() / STEP_MS) * STEP_MS - STEP_MS;
  const start = end - HOURS * 3_600_000;
  const seq = new Map<string, number>();
  const sig = new Uint8Array(64), hash = new Uint8Array(32);
  let stored = 0;
  const t0 = performance.now();
  let batch: AcceptedReading[] = [];
  for (let t = start; t <= end; t += STEP_MS) {
    for (const r of sim.readingsAt(new Date(t))) {
      const s = (seq.get(r.device) ?? 0) + 1;
      seq.set(r.device, s);
      batch.push({ device: r.device, dataset: r.dataset, seq: s, observedAt: new Date(r.observedAt).toISOString(), location: r.location, values: r.values as AcceptedReading["values"], payloadHash: hash, signature: sig });
    }
    if (batch.length >= 40_000) {
      await storeReadings(db.sql, batch);
      stored += batch.length;
      batch = [];
      process.stdout.write(`\r  stored ${stored.toLocaleString("en-US")} readings (${fmt(stored / ((performance.now() - t0) / 1000), 0)}/s)…`);
    }
  }
  await storeReadings(db.sql, batch);
  stored += batch.length;
  const fillS = (performance.now() - t0) / 1000;
  console.log(`\r${HOURS} h of readings at 5-minute steps: ${stored.toLocaleString("en-US")} readings stored with their ledger leaves in ${fmt(fillS, 0)} s (${fmt(stored / fillS, 0)}/s, embedded PGlite)`);
  const t1 = performance.now();
  await refreshRollup(db.sql, city);
  const rollS = (performance.now() - t1) / 1000;
  const [{ n }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM map_bucket_5m`);
  console.log(`map rollup built from scratch: ${fmt(rollS, 1)} s (${fmt(stored / rollS, 0)} readings/s) into ${n.toLocaleString("en-US")} device-bucket rows`);
  await db.close();
  await precomputeReplay(dataDir);
}

/**
 * Computes and stores the replay chunks of the last 24 h (map_frame_chunk), as a console that
 * had been running on this data would have (its background job, lib/map/start-map.ts), so the
 * first requests measured after the start are those of a restarted console.
 */
async function precomputeReplay(dataDir: string) {
  const city = generateCity({ seed: "yantai", size: SIZE });
  const db = await openDb({ dataDir });
  const t0 = performance.now(), cpu0 = process.cpuUsage();
  let chunks = 0;
  for (let n; (n = await warmReplayChunks(db.sql, city)) > 0; ) chunks += n;
  const cpu = process.cpuUsage(cpu0);
  console.log(`replay chunks of the last 24 h computed and stored: ${chunks} in ${fmt((performance.now() - t0) / 1000, 1)} s (${fmt((cpu.user + cpu.system) / 1e6, 1)} s CPU; ${load()})`);
  await db.close();
}

async function waitFor(url: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return void (await res.arrayBuffer());
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer in time`);
}

function start(dataDir: string): ChildProcess {
  const prof = process.env.BENCH_CONSOLE_PROF;
  const statements = process.env.BENCH_CONSOLE_STATEMENTS;
  return spawn(process.execPath, [...(prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : []), "--import", "tsx", ...(statements ? ["--import", "./scripts/dev/pglite-statements.ts"] : []), "server.ts"], {
    env: { ...process.env, ...(statements ? { PGLITE_STATEMENTS: statements } : {}), PORT: String(PORT), HOST: "127.0.0.1", DATA_DIR: dataDir, MQTT_PORT: String(PORT + 15000), DATABASE_URL: "", CITY_SIZE: String(SIZE), CITY_SEED: "yantai", SIM_BACKFILL_HOURS: "0", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

/**
 * The console's CPU with no page open (BENCH_IDLE_S, 20 s; 0 skips it), from /proc: what the
 * simulator's devices cost it (ingest, rollup, log, jobs), beside which every request and
 * every PGlite query is served on its one thread.
 */
async function consoleLoad(pid: number) {
  const seconds = Number(process.env.BENCH_IDLE_S ?? 20);
  if (!(seconds > 0)) return;
  const sequenced = async () => ((await (await fetch(`${BASE}/api/ledger/info`)).json()) as { sequenced: number }).sequenced;
  const leaves0 = await sequenced();
  const cpu0 = procCpuMs(pid);
  const threads0 = threadCpuMs(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpuMs = procCpuMs(pid) - cpu0;
  const wall = performance.now() - t0;
  const share = cpuMs / wall;
  const leaves = (await sequenced()) - leaves0;
  // By thread: the console's own (requests, PGlite, intake, rollup, log), the simulator's signing
  // thread (its devices' and gateways' keys), the intake's check workers, and the rest.
  const by = { main: 0, sign: 0, check: 0, other: 0 };
  for (const [tid, t] of threadCpuMs(pid)) {
    const ms = t.ms - (threads0.get(tid)?.ms ?? 0);
    by[tid === pid ? "main" : t.name === SIM_SIGN_THREAD_NAME ? "sign" : t.name === CHECK_THREAD_NAME ? "check" : "other"] += ms;
  }
  const pc = (ms: number) => `${fmt((ms / wall) * 100, 0)} %`;
  console.log(
    `  console CPU with no page open: ${fmt(share * 100, 0)} % of a core over ${seconds} s, ${fmt(leaves, 0)} leaves stored, ${leaves > 0 ? fmt((cpuMs * 1000) / leaves, 0) : "–"} µs per leaf (${load()}, reference rate ${fmt(sha256Rate() / 1e6, 2)} M SHA-256/s)`,
  );
  console.log(`    by thread: main ${pc(by.main)}, simulator signing ${pc(by.sign)}, intake check workers ${pc(by.check)}, other ${pc(by.other)}`);
}

/**
 * BENCH_TIMELINE=1: the page's API requests up to the first drawn frame, each with when it was
 * sent and when its answer ended (ms from navigation) and its size, to tell what the first
 * frame waited for: the console's answers, or the page's own work after them.
 */
function requestTimeline(page: Page) {
  if (process.env.BENCH_TIMELINE !== "1") return null;
  const seen: { url: string; sent: number; ended: number | null; bytes: number | null; status: number | null }[] = [];
  const byRequest = new Map<object, (typeof seen)[number]>();
  page.on("request", (req) => {
    const u = new URL(req.url());
    if (!u.pathname.startsWith("/api/")) return;
    const row = { url: u.pathname + u.search.slice(0, 60), sent: Date.now(), ended: null, bytes: null, status: null };
    byRequest.set(req, row);
    seen.push(row);
  });
  const done = async (req: import("@playwright/test").Request) => {
    const row = byRequest.get(req);
    if (!row) return;
    row.ended = Date.now();
    const res = await req.response().catch(() => null);
    row.status = res?.status() ?? null;
    row.bytes = (await req.sizes().catch(() => null))?.responseBodySize ?? null;
  };
  page.on("requestfinished", (req) => void done(req));
  page.on("requestfailed", (req) => void done(req));
  return {
    async print(firstFrameMs: number) {
      const origin = await page.evaluate(() => performance.timeOrigin);
      console.log(`    API requests until the first frame (ms from navigation: sent → answered, body bytes):`);
      for (const r of [...seen].sort((a, b) => a.sent - b.sent)) {
        if (r.sent - origin > firstFrameMs) continue;
        const ended = r.ended === null ? "pending" : fmt(r.ended - origin, 0);
        console.log(`      ${fmt(r.sent - origin, 0).padStart(7)} → ${ended.padStart(7)}  ${r.status ?? "…"} ${r.bytes === null ? "" : `${fmt(r.bytes / 1024, 0)} kB`}  ${r.url}`);
      }
    },
  };
}

/** Payload size (raw, gzip) and latency of a GET, repeated: the first (cold) run apart from the rest. */
async function measure(label: string, url: string, cookie: string, runs: number) {
  const times: number[] = [];
  let body = Buffer.alloc(0);
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const res = await fetch(`${BASE}${url}`, { headers: { cookie } });
    body = Buffer.from(await res.arrayBuffer());
    times.push(performance.now() - t);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${body.toString().slice(0, 200)}`);
  }
  const gz = zlib.gzipSync(body).length;
  const warm = times.slice(1);
  console.log(
    `  ${label.padEnd(46)} ${mb(body.length).padStart(9)} (gzip ${mb(gz)})   first ${fmt(times[0], 0)} ms; then median ${fmt(percentile(warm, 50), 0)} ms, p95 ${fmt(percentile(warm, 95), 0)} ms (${warm.length} runs)`,
  );
}



/**
 * Replay in the browser, as the traffic official with all three layers: the time from
 * moving the slider to a moment to that moment's values drawn (each seek lands in a two-hour
 * chunk not loaded before), and from "live" clicked to live values drawn. Timed in the page
 * (performance.now()), with the requests each step made.
 */
async function replayFigures(cookie: string) {
  const browser = await launchChromium();
  try {
    const ctx = await signedInContext(browser, BASE, cookie);
    await ctx.addInitScript(GL_WATCH_SCRIPT);
    const page = await ctx.newPage();
    await page.goto(`${BASE}/?layers=traffic,energy,safety`);
    await page.waitForFunction(() => document.body.dataset.firstFrameMs !== undefined, undefined, { timeout: 180_000 });
    // The base map finishes loading first (its inline GeoJSON tiled in a worker, then MapLibre
    // compiling its fill and line programs as they first draw: seconds on a loaded machine, and
    // what the first seek's profile used to show as shader compilation).
    await page.waitForFunction(() => {
      const m = (window as unknown as { cityBrainMap?: { loaded(): boolean; areTilesLoaded(): boolean } }).cityBrainMap;
      return !!m && m.loaded() && m.areTilesLoaded();
    }, undefined, { timeout: 120_000 });
    const idleMs = await page.evaluate(() => Math.round(performance.now()));
    await page.waitForTimeout(3000);
    const gl = () => page.evaluate(GL_READ) as Promise<GlCounts>;
    const loaded = await gl();
    console.log(`  map loaded: first drawn frame ${await page.evaluate(() => document.body.dataset.firstFrameMs)} ms, base map loaded ${idleMs} ms from navigation; WebGL: ${glDelta({ compiles: 0, links: 0, waitMs: 0, names: [] }, loaded)}`);
    // Strings, not functions: tsx's name helpers do not exist in the page.
    const settle = `const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
      const until = async (ok) => { const end = performance.now() + 60000; while (!ok()) { if (performance.now() > end) throw new Error("not done in 60 s"); await frame(); } await frame(); await frame(); };
      const requests = (t0) => performance.getEntriesByType("resource").filter((e) => e.startTime >= t0 && e.name.includes("/api/"))
        .map((e) => new URL(e.name).pathname.replace("/api/map/layers/", "") + " " + Math.round(e.duration) + " ms (from +" + Math.round(e.startTime - t0) + " ms)").join(", ");`;
    const seek = (t: number) =>
      page.evaluate(`(async () => {
        ${settle}
        const input = document.querySelector('[data-testid="time-range"]');
        const t0 = performance.now();
        Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, String(${t}));
        input.dispatchEvent(new Event("input", { bubbles: true }));
        const slider = document.querySelector('[data-testid="time-slider"]');
        const label = document.querySelector('[data-testid="time-label"]');
        const root = document.querySelector('[data-testid="city-map"]');
        // data-frame: the replayed bucket drawn (a console without it: the values' version).
        const bucket = String(Math.floor(${t} / 300000) * 300000);
        await until(() => slider.dataset.mode === "replay" && Math.abs(Number(slider.dataset.t) - ${t}) < 60000 && !label.textContent.includes("·") && root.dataset.liveVersion !== "-1" && (root.dataset.frame === undefined || root.dataset.frame === bucket));
        return { ms: performance.now() - t0, requests: requests(t0) };
      })()`) as Promise<{ ms: number; requests: string }>;
    const live = () =>
      page.evaluate(`(async () => {
        ${settle}
        const t0 = performance.now();
        document.querySelector('[data-testid="time-live"]').click();
        const root = document.querySelector('[data-testid="city-map"]');
        const traffic = document.querySelector('[data-testid="layer-traffic"]');
        // "partial": the traffic official sees traffic but not the incidents on it.
        await until(() => root.dataset.mode === "live" && (traffic.dataset.status === "ok" || traffic.dataset.status === "partial"));
        return { ms: performance.now() - t0, requests: requests(t0) };
      })()`) as Promise<{ ms: number; requests: string }>;
    // BENCH_PROFILE=1: a CPU profile of the page's main thread during the first seek and back to live,
    // printed as the functions with the most self time (BENCH_PROFILE=all: of every seek and back to live).
    const cdp = process.env.BENCH_PROFILE ? await ctx.newCDPSession(page) : null;
    const profiled = async <T>(what: string, act: () => Promise<T>): Promise<T> => {
      if (!cdp) return act();
      await cdp.send("Profiler.enable");
      await cdp.send("Profiler.start");
      const out = await act();
      const { profile } = (await cdp.send("Profiler.stop")) as { profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] } };
      const self = new Map<string, number>();
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      profile.samples.forEach((id, i) => {
        const f = byId.get(id)!.callFrame;
        const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber}`;
        self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
      });
      const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 12);
      console.log(`  main-thread profile of ${what} (self time): ${top.map(([k, ms]) => `${k} ${fmt(ms, 0)} ms`).join("; ")}`);
      return out;
    };
    const seeks: number[] = [], lives: number[] = [];
    const now = Date.now();
    let first = true;
    const every = process.env.BENCH_PROFILE === "all";
    for (const hoursAgo of [6, 18, 2.5, 12, 21]) {
      const at = Math.round((now - hoursAgo * 3_600_000) / 60_000) * 60_000;
      let g0 = await gl();
      const s = first || every ? await profiled(`the seek to ${hoursAgo} h ago`, () => seek(at)) : await seek(at);
      let g1 = await gl();
      seeks.push(s.ms);
      console.log(`  seek to ${hoursAgo} h ago: ${fmt(s.ms, 0)} ms (${load()}); requests: ${s.requests || "none"}; WebGL: ${glDelta(g0, g1)}`);
      await page.waitForTimeout(1500);
      g0 = await gl();
      const l = first || every ? await profiled("back to live", () => live()) : await live();
      g1 = await gl();
      first = false;
      lives.push(l.ms);
      console.log(`  back to live: ${fmt(l.ms, 0)} ms (${load()}); requests: ${l.requests || "none"}; WebGL: ${glDelta(g0, g1)}`);
      await page.waitForTimeout(1500);
    }
    console.log(
      `  replay seek: median ${fmt(percentile(seeks, 50), 0)} ms, max ${fmt(Math.max(...seeks), 0)} ms; back to live: median ${fmt(percentile(lives, 50), 0)} ms, max ${fmt(Math.max(...lives), 0)} ms (${seeks.length} each; ${load()}, reference rate ${fmt(sha256Rate() / 1e6, 2)} M SHA-256/s)`,
    );
    await ctx.close();
  } finally {
    await browser.close();
  }
}

/** The 1-minute load average, printed beside each figure (the machine is shared). */

/**
 * First drawn frame and frame times in headless Chromium: all three layers, each layer by
 * itself (as its owner department's official, so its values draw), and the base map alone.
 */
async function browserFigures(cookies: Record<"traffic" | "energy" | "safety", string>) {
  const browser = await launchChromium();
  try {
    const line = (name: string, f: number[]) =>
      console.log(`  ${name.padEnd(58)} median ${fmt(percentile(f, 50), 0).padStart(5)} ms, p95 ${fmt(percentile(f, 95), 0).padStart(5)} ms per frame (${f.length} frames; ${load()})`);
    type Run = { name: string; layers: string; as: "traffic" | "energy" | "safety"; what: string };
    // Views are picked by name: the layer list itself holds commas, so BENCH_VIEWS=traffic,energy,safety
    // used to split it apart and match no view but the single-layer ones.
    const runs = ([
      { name: "all", layers: "traffic,energy,safety", as: "traffic", what: "all three layers, as the traffic official" },
      // The base map right after all layers, so their ratio is measured even if a later view fails.
      { name: "base", layers: "", as: "traffic", what: "base map only, no deck.gl layers" },
      { name: "traffic", layers: "traffic", as: "traffic", what: "traffic alone" },
      { name: "energy", layers: "energy", as: "energy", what: "energy alone, as the energy official" },
      { name: "safety", layers: "safety", as: "safety", what: "public safety alone, as the safety official" },
    ] as Run[]).filter((r) => benchViews().has(r.name));
    let first = true;
    const panP95 = new Map<string, number>();
    for (const run of runs) {
      const ctx = await signedInContext(browser, BASE, cookies[run.as]);
      let page = await ctx.newPage();
      const timeline = requestTimeline(page);
      let phase = "loading the page";
      const view = (async () => {
        await page.goto(`${BASE}/?layers=${run.layers}`, { timeout: VIEW_TIMEOUT_MS });
        if (first) {
          first = false;
          const gl = await page.evaluate(() => {
            const c = document.createElement("canvas").getContext("webgl2");
            const ext = c?.getExtension("WEBGL_debug_renderer_info");
            return ext && c ? String(c.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : "unknown";
          });
          console.log(`browser: headless Chromium 1400×900, WebGL renderer "${gl}" (software rendering on the CPU: frame figures are relative and say nothing of a GPU)`);
        }
        phase = "waiting for the first drawn frame";
        if (run.layers.includes("traffic")) {
          await page.waitForFunction(() => document.body.dataset.firstFrameMs !== undefined, undefined, { timeout: VIEW_TIMEOUT_MS });
          const ms = Number(await page.evaluate(() => document.body.dataset.firstFrameMs));
          const loaded = await page.evaluate(() => document.body.dataset.mapLoadedMs);
          console.log(`  first drawn frame with live traffic (${run.what}): ${fmt(ms, 0)} ms from navigation; its base map loaded at ${loaded ?? "?"} ms (${load()})`);
          await timeline?.print(ms);
          if (process.env.BENCH_RETURN === "1") {
            phase = "returning to the map";
            // The first page closed first, so that one map draws at a time; the view goes on in the new one.
            await page.close();
            page = await ctx.newPage();
            await page.goto(`${BASE}/?layers=${run.layers}`, { timeout: VIEW_TIMEOUT_MS });
            await page.waitForFunction(() => document.body.dataset.firstFrameMs !== undefined, undefined, { timeout: VIEW_TIMEOUT_MS });
            const [ms2, loaded2] = await page.evaluate(() => [document.body.dataset.firstFrameMs, document.body.dataset.mapLoadedMs]);
            console.log(`  the same view opened again in the same browser (caches warm; ${run.what}): first drawn frame ${ms2} ms, base map loaded at ${loaded2 ?? "?"} ms (${load()})`);
          }
        } else {
          // A view without traffic (the base map alone among them): when MapLibre had loaded its base map.
          await page.waitForFunction(() => document.body.dataset.mapLoadedMs !== undefined, undefined, { timeout: VIEW_TIMEOUT_MS });
          console.log(`  base map loaded (${run.what}): ${await page.evaluate(() => document.body.dataset.mapLoadedMs)} ms from navigation (${load()})`);
        }
        // BENCH_PAN=0: the first drawn frame only (alternating runs of two builds fit in minutes).
        if (process.env.BENCH_PAN === "0") return;
        await page.waitForTimeout(4000);
        const { cx, cy, drag } = await mapDrag(page);
        phase = "panning";
        const pan = await frameTimes(page, async () => {
          for (let k = 0; k < 6; k++) await drag(k % 2 ? -220 : 220, k % 3 ? 90 : -90);
          await page.waitForTimeout(500);
        });
        line(`panning at city zoom (${run.what}):`, pan);
        panP95.set(run.name, percentile(pan, 95));
        phase = "zooming";
        const zoom = await frameTimes(page, async () => {
          // Zoom in to street level (points of interest appear from zoom 14), pan there, and back out.
          for (let k = 0; k < 8; k++) {
            await page.mouse.move(cx, cy);
            await page.mouse.wheel(0, -300);
            await page.waitForTimeout(150);
          }
          for (let k = 0; k < 4; k++) await drag(k % 2 ? -180 : 180, 60);
          for (let k = 0; k < 8; k++) {
            await page.mouse.wheel(0, 300);
            await page.waitForTimeout(150);
          }
          await page.waitForTimeout(500);
        });
        line(`zooming to street level and back (${run.what}):`, zoom);
      })();
      // A view that never draws (or never finishes its gestures) is printed as a timeout and the
      // next view runs: one stuck view used to end the whole bench before the base map was measured.
      view.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const t0 = performance.now();
      try {
        await Promise.race([view, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), VIEW_TIMEOUT_MS)))]);
      } catch (e) {
        const timedOut = (e as Error).message === "timeout" || (e as Error).name === "TimeoutError";
        console.log(`  ${run.what}: ${timedOut ? "TIMEOUT" : "FAILED"} after ${fmt((performance.now() - t0) / 1000, 0)} s (${timedOut ? `still ${phase} at ${fmt(VIEW_TIMEOUT_MS / 1000, 0)} s` : `${phase}: ${(e as Error).message.split("\n")[0]}`}; ${load()}); next view`);
      } finally {
        clearTimeout(timer);
        await ctx.close().catch(() => undefined);
      }
    }
    const all = panP95.get("all"), base = panP95.get("base");
    if (all !== undefined && base !== undefined) {
      console.log(`  all-layer pan p95 / base map pan p95 in this run: ${fmt(all, 0)} / ${fmt(base, 0)} ms = ${fmt(all / base, 2)}× (target ≤ 2×; ${load()})`);
    } else {
      console.log(`  all-layer pan p95 / base map pan p95: not measured (${all === undefined ? "all layers" : "base map"} view missing)`);
    }
  } finally {
    await browser.close();
  }
}

async function main() {
  if (process.env.BENCH_ONLY !== "fill" && !fs.existsSync(".next/BUILD_ID")) throw new Error("no production build: run npm run build first");
  console.log(`bench:map on ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}, embedded PGlite; ${load()}, reference rate ${fmt(sha256Rate() / 1e6, 2)} M SHA-256/s (one thread, 64 B)`);
  const reuse = process.env.BENCH_DATA_DIR ? path.resolve(process.env.BENCH_DATA_DIR) : null;
  const dataDir = reuse ?? fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-map-"));
  const only = process.env.BENCH_ONLY ?? "";
  let child: ChildProcess | null = null;
  try {
    const marker = path.join(dataDir, "bench-map-filled.json");
    if (reuse && fs.existsSync(marker)) {
      const filled = JSON.parse(fs.readFileSync(marker, "utf8")) as { at: string; replayChunks?: boolean };
      console.log(`reusing the data in ${dataDir}, filled ${filled.at} (size ${SIZE}, ${HOURS} h)`);
      // Folders filled before replay chunks were stored: store them once, as a console run would have.
      if (!filled.replayChunks) {
        await precomputeReplay(dataDir);
        fs.writeFileSync(marker, JSON.stringify({ ...filled, replayChunks: true }));
      }
    } else {
      fs.mkdirSync(dataDir, { recursive: true });
      await fill(dataDir);
      if (reuse) fs.writeFileSync(marker, JSON.stringify({ at: new Date().toISOString(), size: SIZE, hours: HOURS, replayChunks: true }));
    }
    if (only === "fill") return;
    const t0 = performance.now();
    child = start(dataDir);
    await waitFor(`${BASE}/api/health`, Date.now() + 600_000);
    console.log(`console started on that data in ${fmt((performance.now() - t0) / 1000, 1)} s (simulator on: live ingest continues during the figures)`);
    // Let the ledger integrate the backlog first, so it does not compete with the figures.
    for (;;) {
      const info = (await (await fetch(`${BASE}/api/ledger/info`)).json()) as { sequenced: number; integrated: number };
      if (info.integrated >= info.sequenced - 50_000) break;
      process.stdout.write(`\r  waiting for the ledger to integrate ${info.integrated.toLocaleString("en-US")} / ${info.sequenced.toLocaleString("en-US")} leaves…`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    process.stdout.write("\n");
    const traffic = await officialCookie(BASE, dataDir, "traffic");
    const energy = await officialCookie(BASE, dataDir, "energy");
    const safety = await officialCookie(BASE, dataDir, "safety");
    const cookies = { traffic, energy, safety };
    // The first requests of a fresh console, before anything else warms what they read (target ≤ 2 s each).
    console.log("first requests of this console (cold):");
    await measure(`first traffic replay ${HOURS} h, 5-min buckets`, `/api/map/layers/traffic/frames?bucket=300&from=${new Date(Date.now() - HOURS * 3_600_000).toISOString()}`, traffic, 3);
    await measure("first 24 h series of one feature (trf-000200)", "/api/map/features/trf-000200", traffic, 3);
    if (only === "first") return;
    await consoleLoad(child.pid!);
    if (only === "replay") {
      console.log("replay in the browser (all three layers, as the traffic official):");
      await replayFigures(traffic);
      return;
    }
    if (only === "browser") {
      await browserFigures(cookies);
      return;
    }
    console.log("API (each layer as its owner department's official):");
    await measure("traffic features (full city)", "/api/map/layers/traffic/features", traffic, 10);
    await measure("traffic latest (live, last 15 min)", "/api/map/layers/traffic/latest", traffic, 20);
    await measure("traffic latest (live, last hour: full city)", `/api/map/layers/traffic/latest?from=${new Date(Date.now() - 3_600_000).toISOString()}`, traffic, 20);
    await measure("energy features + hexagon cells", "/api/map/layers/energy/features", energy, 10);
    await measure("energy latest (live)", "/api/map/layers/energy/latest", energy, 20);
    await measure("safety latest (live)", "/api/map/layers/safety/latest", safety, 20);
    const past = new Date(Date.now() - 6 * 3_600_000).toISOString();
    await measure("traffic latest at a past moment", `/api/map/layers/traffic/latest?to=${past}`, traffic, 10);
    const chunk = Math.floor((Date.now() - 6 * 3_600_000) / 7_200_000) * 7_200_000;
    const chunkQ = `bucket=300&from=${new Date(chunk).toISOString()}&to=${new Date(chunk + 7_200_000).toISOString()}`;
    await measure("traffic replay chunk: 2 h, 5-min buckets", `/api/map/layers/traffic/frames?${chunkQ}`, traffic, 10);
    await measure("energy replay chunk: 2 h, 5-min buckets", `/api/map/layers/energy/frames?${chunkQ}`, energy, 10);
    await measure(`traffic replay ${HOURS} h, 5-min buckets`, `/api/map/layers/traffic/frames?bucket=300&from=${new Date(Date.now() - HOURS * 3_600_000).toISOString()}`, traffic, 10);
    await measure(`energy replay ${HOURS} h, 5-min buckets`, `/api/map/layers/energy/frames?bucket=300&from=${new Date(Date.now() - HOURS * 3_600_000).toISOString()}`, energy, 10);
    await measure(`safety replay ${HOURS} h, 5-min buckets`, `/api/map/layers/safety/frames?bucket=300&from=${new Date(Date.now() - HOURS * 3_600_000).toISOString()}`, safety, 10);
    await measure(`KPIs with ${HOURS} h trends`, `/api/map/kpis?from=${new Date(Date.now() - HOURS * 3_600_000).toISOString()}`, energy, 10);
    await measure("one feature with its 24 h series", "/api/map/features/trf-000100", traffic, 20);
    await browserFigures(cookies);
  } finally {
    if (child) {
      child.kill("SIGTERM");
      await new Promise((r) => child!.once("exit", r));
    }
    if (reuse || process.env.BENCH_KEEP) console.log(`data kept in ${dataDir}`);
    else fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench:map: ${(e as Error).message}`);
  process.exit(1);
});
