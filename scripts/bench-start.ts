// npm run bench:start – start-up figures of the console on this machine, printed:
//  - cold start: empty data folder to the first map response (GET / and the base style);
//  - warm start: the same, with the data folder from the cold start;
//  - time to the first drawn frame of the map (traffic sensors on it) in headless Chromium.
//  - with BENCH_START_READINGS (e.g. 0,1000000): the warm start at each stored size, the data
//    folder filled first with that many readings over the last 24 h (scripts/bench/fill-readings.ts:
//    the log integrated and the map's rollup folded, as a console that ran that long leaves them),
//    with the server's own start lines; BENCH_START_PROF=DIR writes a CPU profile of each such start;
//    BENCH_START_BEHIND=K leaves the last K readings for the console to integrate and fold after it
//    starts (GET /api/health's catchUp shows what is left when the map first answers);
//    BENCH_START_KEEP=DIR keeps a copy of each filled folder in DIR and starts from that copy
//    the next time (to compare two versions of the console on the same data, run from each
//    version's folder: the console started is the server.ts of the working directory).
// Requires a production build (npm run build). Uses a temporary data folder and port 3390.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";
import { fmt } from "./bench/stats";
import { load, sha256Rate } from "./bench/machine";
import { fillReadings } from "./bench/fill-readings";
import { openDb } from "../lib/db/client";
import { getCity } from "../lib/city/current-city";

const PORT = Number(process.env.BENCH_PORT ?? 3390);
const BASE = `http://127.0.0.1:${PORT}`;
const RUNS = 3;

async function waitFor(url: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) {
        await res.arrayBuffer();
        return;
      }
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer in time`);
}

async function start(dataDir: string, opts: { env?: Record<string, string>; prof?: string; out?: string[] } = {}): Promise<{ child: ChildProcess; seconds: number; started: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...(opts.prof ? ["--cpu-prof", `--cpu-prof-dir=${opts.prof}`] : []), "--import", "tsx", "server.ts"], {
    env: { ...process.env, PORT: String(PORT), HOST: "127.0.0.1", DATA_DIR: dataDir, MQTT_PORT: String(PORT + 15000), DATABASE_URL: "", ...opts.env },
    stdio: ["ignore", opts.out ? "pipe" : "ignore", "inherit"],
  });
  if (opts.out) child.stdout!.on("data", (b: Buffer) => opts.out!.push(...b.toString().split("\n").filter(Boolean).map((l) => `  [+${((performance.now() - t0) / 1000).toFixed(1)} s] ${l}`)));
  await waitFor(`${BASE}/`, Date.now() + 120_000);
  await waitFor(`${BASE}/api/city/style?theme=dark`, Date.now() + 120_000);
  return { child, seconds: (performance.now() - t0) / 1000, started: Date.now() - (performance.now() - t0) };
}

async function stop(child: ChildProcess) {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}

async function firstFrame(): Promise<number> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(BASE);
    await page.waitForFunction(() => document.body.dataset.firstFrameMs !== undefined, undefined, { timeout: 60_000 });
    return Number(await page.evaluate(() => document.body.dataset.firstFrameMs));
  } finally {
    await browser.close();
  }
}

/**
 * After a start with a backlog: polls GET /api/health (and the map's base style) every 500 ms
 * until less than CAUGHT_UP_LEAVES are left to integrate and to fold, timing each answer: how the console serves while
 * it catches up, and when it is done.
 */
const CAUGHT_UP_LEAVES = 5000;

async function untilCaughtUp(started: number): Promise<string> {
  const times: number[] = [];
  const deadline = Date.now() + 600_000;
  let seen = "";
  while (Date.now() < deadline) {
    const t0 = performance.now();
    const h = (await (await fetch(`${BASE}/api/health`)).json()) as { catchUp?: { ledgerLeavesToIntegrate: number; mapLeavesToFold: number; ledger?: { state: string; integrated: number; of: number } } };
    await (await fetch(`${BASE}/api/city/style?theme=dark`)).arrayBuffer();
    times.push(performance.now() - t0);
    const c = h.catchUp;
    if (c?.ledger?.state === "integrating" && !seen) seen = `; shown meanwhile: integrating ${c.ledger.integrated.toLocaleString("en-US")} of ${c.ledger.of.toLocaleString("en-US")}`;
    // The simulator keeps sending live readings: caught up when less than a few seconds of them wait.
    if (c && c.ledgerLeavesToIntegrate < CAUGHT_UP_LEAVES && c.mapLeavesToFold < CAUGHT_UP_LEAVES) {
      const sorted = [...times].sort((a, b) => a - b);
      return `caught up ${fmt((Date.now() - started) / 1000, 1)} s after the start; health + style answered meanwhile in ${fmt(sorted[Math.floor(sorted.length / 2)], 0)} ms (median), ${fmt(sorted[sorted.length - 1], 0)} ms (slowest) over ${times.length} polls${seen}`;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return "not caught up within 600 s";
}

/** Warm starts at each stored size (BENCH_START_READINGS), the folder filled before. */
async function startBySize(sizes: number[]) {
  const hours = 24;
  const citySize = process.env.CITY_SIZE ?? "1";
  console.log(`machine now, one thread: SHA-256 of 64 B ${Math.round(sha256Rate()).toLocaleString("en-US")}/s; city size ${citySize}; readings over the last ${hours} h; the last ${Number(process.env.BENCH_START_BEHIND ?? 0).toLocaleString("en-US")} left to catch up`);
  // The data folder's history is the fill: no simulator backfill on top of it.
  const env = { SIM_BACKFILL_HOURS: "0", CITY_SIZE: citySize };
  for (const n of sizes) {
    const behind = Math.min(n, Number(process.env.BENCH_START_BEHIND ?? 0));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-start-"));
    try {
      const keep = process.env.BENCH_START_KEEP ? path.join(process.env.BENCH_START_KEEP, `n${n}-behind${behind}`) : null;
      if (keep && fs.existsSync(path.join(keep, "filled"))) {
        // The same filled folder again (another version of the console, the same data).
        fs.cpSync(keep, dir, { recursive: true });
        fs.rmSync(path.join(dir, "filled"));
        console.log(`  the folder filled before with ${n.toLocaleString("en-US")} readings, copied from ${keep}`);
      } else {
        const c = await start(dir, { env });
        await stop(c.child);
      }
      if (n > 0 && !(keep && fs.existsSync(path.join(keep, "filled")))) {
        const t0 = performance.now();
        const db = await openDb({ dataDir: dir });
        await fillReadings(db, getCity(), n, { hours, behind, progress: (d) => process.stdout.write(`\r  filling: ${d.toLocaleString("en-US")} of ${n.toLocaleString("en-US")} readings`) });
        await db.close();
        console.log(`\n  filled ${n.toLocaleString("en-US")} readings in ${fmt((performance.now() - t0) / 1000, 0)} s`);
        if (keep) {
          fs.rmSync(keep, { recursive: true, force: true });
          fs.cpSync(dir, keep, { recursive: true });
          fs.writeFileSync(path.join(keep, "filled"), "");
        }
      }
      for (let run = 0; run < 2; run++) {
        const out: string[] = [];
        const w = await start(dir, { env, out, prof: process.env.BENCH_START_PROF ? path.join(process.env.BENCH_START_PROF, `n${n}-run${run}`) : undefined });
        const health = (await (await fetch(`${BASE}/api/health`)).json()) as { catchUp?: unknown };
        console.log(`warm start with ${n.toLocaleString("en-US")} readings stored to first map response: ${fmt(w.seconds, 2)} s (${load()}); catching up: ${JSON.stringify(health.catchUp ?? null)}`);
        if (run === 0 && behind > 0) console.log(`  ${await untilCaughtUp(w.started)}`);
        if (run === 0) for (const l of out) console.log(l);
        await stop(w.child);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

async function main() {
  if (!fs.existsSync(".next/BUILD_ID")) throw new Error("no production build: run npm run build first");
  console.log(`bench:start on ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}, embedded PGlite`);
  if (process.env.BENCH_START_READINGS) return startBySize(process.env.BENCH_START_READINGS.split(",").map(Number));
  const cold: number[] = [];
  const warm: number[] = [];
  const frames: number[] = [];
  const during: number[] = [];
  let backfill = "";
  for (let i = 0; i < RUNS; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-start-"));
    const c = await start(dir);
    cold.push(c.seconds);
    frames.push(await firstFrame());
    // The map opened again while the simulator backfills history (SIM_BACKFILL_HOURS, default 24).
    const health = async () => ((await (await fetch(`${BASE}/api/health`)).json()) as { backfill?: { state: string; sent: number; total: number } }).backfill;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await health())?.state === "waiting") await new Promise((r) => setTimeout(r, 500));
    const b = await health();
    if (b?.state === "running") {
      during.push(await firstFrame());
      const after = await health();
      backfill = `backfill ${after?.sent.toLocaleString("en-US")} of ${after?.total.toLocaleString("en-US")} readings sent ${((Date.now() - c.started) / 1000).toFixed(0)} s after the start`;
    }
    await stop(c.child);
    const w = await start(dir);
    warm.push(w.seconds);
    await stop(w.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`cold start (empty data folder) to first map response: median ${fmt(med(cold), 2)} s (runs: ${cold.map((x) => fmt(x, 2)).join(", ")})`);
  console.log(`warm start to first map response: median ${fmt(med(warm), 2)} s (runs: ${warm.map((x) => fmt(x, 2)).join(", ")})`);
  console.log(`first drawn frame with traffic, headless Chromium (SwiftShader): median ${fmt(med(frames), 0)} ms from navigation (runs: ${frames.join(", ")})`);
  if (during.length) console.log(`first drawn frame with traffic while the backfill runs: median ${fmt(med(during), 0)} ms from navigation (runs: ${during.join(", ")}; ${backfill})`);
  else console.log(`no backfill ran (SIM_BACKFILL_HOURS=${process.env.SIM_BACKFILL_HOURS ?? "24, default"})`);
}

main().catch((e) => {
  console.error(`bench:start: ${(e as Error).message}`);
  process.exit(1);
});
