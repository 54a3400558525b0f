// npm run bench:start – start-up figures of the console on this machine, printed:
//  - cold start: empty data folder to the first map response (GET / and the base style);
//  - warm start: the same, with the data folder from the cold start;
//  - time to the first drawn frame of the map (traffic sensors on it) in headless Chromium.
// Requires a production build (npm run build). Uses a temporary data folder and port 3390.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";
import { fmt } from "./bench/stats";

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

async function start(dataDir: string): Promise<{ child: ChildProcess; seconds: number; started: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    env: { ...process.env, PORT: String(PORT), HOST: "127.0.0.1", DATA_DIR: dataDir, MQTT_PORT: String(PORT + 15000), DATABASE_URL: "" },
    stdio: ["ignore", "ignore", "inherit"],
  });
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

async function main() {
  if (!fs.existsSync(".next/BUILD_ID")) throw new Error("no production build: run npm run build first");
  console.log(`bench:start on ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}, embedded PGlite`);
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
