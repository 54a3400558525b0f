// npm run soak -- --minutes N [--rate 2000] [--warmup 5] [--devices 200]
//
// Runs the console as a city would (its own process, the simulator on, the embedded database
// unless DATABASE_URL is set) under extra signed load and a browser-like map client, and
// prints every minute what a leak or a slowdown would show: resident memory, V8 heap,
// event-loop delay, database size, data folder size, readings accepted and live events
// received. At the end: the slope of memory after the warm-up (MB per hour), from a
// least-squares line through the minute samples, and the growth over the measured span.
//
// The extra load is what more devices would send: `--devices` traffic sensors registered by
// the traffic department's admin through the API (each at one of the city's sensors),
// signing readings with their own keys and posting them as NDJSON at `--rate` readings/s in
// total. The map client signs in as an official, keeps /api/stream open and refetches the
// layers and KPIs every 15 s, as the page does. SOAK_DATA_DIR keeps the data folder;
// SOAK_BACKFILL_HOURS (default 1) sets the simulator's first-start history.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { signerFromSeed, type DeviceSigner } from "../lib/sim/simulator-keys";
import { signEnvelope } from "../lib/ingest/envelope";
import { ConsoleSession } from "../lib/sim/console-session";
import { readDemoUsers } from "../lib/auth/demo-users";
import { parseMetrics } from "../lib/ops/process-metrics";
import { getCity } from "../lib/city/current-city";
import { load, sha256Rate } from "./bench/machine";
import { fmt, memoryTrend } from "./bench/stats";

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "30" },
    rate: { type: "string", default: "2000" },
    warmup: { type: "string", default: "5" },
    devices: { type: "string", default: "200" },
    port: { type: "string", default: process.env.SOAK_PORT ?? "3390" },
  },
});
const minutes = Number(args.minutes), rate = Number(args.rate), warmup = Number(args.warmup), nDevices = Number(args.devices), port = Number(args.port);
for (const [k, v] of Object.entries({ minutes, rate, warmup, devices: nDevices, port }))
  if (!Number.isFinite(v) || v < 0) {
    console.error(`soak: --${k} must be a number ≥ 0, got ${JSON.stringify(args[k as keyof typeof args])}`);
    process.exit(2);
  }

const base = `http://127.0.0.1:${port}`;
const dataDir = process.env.SOAK_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "soak-"));
const token = crypto.randomBytes(24).toString("base64url");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startConsole() {
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      METRICS_TOKEN: token,
      MQTT_PORT: String(port + 15000),
      SIM_BACKFILL_HOURS: process.env.SOAK_BACKFILL_HOURS ?? "1",
      NODE_ENV: "production",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log = fs.createWriteStream(path.join(dataDir, "soak-console.log"));
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  return child;
}

/** A signed-in demo user of the soak's console. */
class Session extends ConsoleSession {
  constructor() {
    super(base);
  }
  async signInAs(departmentId: string, role: string) {
    const u = readDemoUsers(dataDir)?.find((x) => x.departmentId === departmentId && x.role === role);
    if (!u) throw new Error(`no demo ${role} of ${departmentId}`);
    return this.signIn(u);
  }
}

type SoakDevice = { id: string; signer: DeviceSigner; seq: number; location: [number, number]; segmentId: string };

async function registerDevices(admin: Session): Promise<SoakDevice[]> {
  const city = getCity();
  const sensors = city.devices.filter((d) => d.kind === "traffic-sensor");
  const devices: SoakDevice[] = [];
  for (let i = 0; i < nDevices; i++) {
    const s = sensors[i % sensors.length] as (typeof sensors)[number] & { segmentId: string };
    const signer = signerFromSeed(crypto.randomBytes(32));
    const id = `soak-${process.pid}-${i}`;
    const location: [number, number] = [s.location[0], s.location[1]];
    const body = { id, departmentId: "traffic", datasetId: "traffic.flow", kind: "traffic-sensor", location, publicKey: Buffer.from(signer.publicKey).toString("base64"), reason: "soak load" };
    const r = await admin.fetch("/api/devices", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (r.status !== 200) throw new Error(`registering ${id}: ${r.status} ${await r.text()}`);
    devices.push({ id, signer, seq: 0, location, segmentId: s.segmentId });
  }
  return devices;
}

const counts = { accepted: 0, refused: 0, busy: 0, failedRequests: 0, skippedTicks: 0, streamEvents: 0, streamBytes: 0, streamReconnects: 0, pageFetches: 0, pageErrors: 0 };

/**
 * Sends `rate` readings/s as NDJSON posts every 100 ms, round-robin over the devices, with at
 * most 4 posts in flight (a post that waits does not hold back the next tick's; a tick that
 * finds 4 still open is skipped and counted, as a device's buffer would overflow).
 */
async function sendLoad(devices: SoakDevice[], until: () => boolean) {
  const perTick = Math.max(1, Math.round(rate / 10));
  let next = 0, tick = performance.now(), inFlight = 0;
  const post = async (body: string) => {
    inFlight++;
    try {
      const r = await fetch(`${base}/api/ingest/batch`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body });
      const out = (await r.json().catch(() => null)) as { accepted?: number; duplicates?: number } | null;
      // 503: the console is past its intake bound and asks to retry (a device keeps the readings).
      if (r.status === 503) counts.busy++;
      else if (r.status !== 200 || typeof out?.accepted !== "number") counts.failedRequests++;
      else {
        counts.accepted += out.accepted;
        counts.refused += perTick - out.accepted - (out.duplicates ?? 0);
      }
    } catch {
      counts.failedRequests++;
    } finally {
      inFlight--;
    }
  };
  const open = new Set<Promise<void>>();
  while (!until()) {
    if (inFlight >= 4) counts.skippedTicks++;
    else {
      const lines: string[] = [];
      const now = new Date().toISOString();
      for (let k = 0; k < perTick; k++) {
        const d = devices[next++ % devices.length];
        const speed = 20 + Math.random() * 40;
        const e = signEnvelope(
          { device: d.id, dataset: "traffic.flow", seq: ++d.seq, observedAt: now, location: d.location, values: { segmentId: d.segmentId, speedKmh: Math.round(speed * 10) / 10, flowVehH: Math.round(300 + Math.random() * 900), occupancy: Math.round(Math.random() * 40) / 100 } },
          d.signer.sign,
        );
        lines.push(JSON.stringify(e));
      }
      const p = post(lines.join("\n") + "\n");
      open.add(p);
      void p.finally(() => open.delete(p));
    }
    tick += 100;
    const wait = tick - performance.now();
    if (wait > 0) await sleep(wait);
    else tick = performance.now(); // behind: do not burst to catch up
  }
  await Promise.all(open);
}

const pageStatuses = new Map<string, number>();

/** The map page's traffic: the live stream held open, the layers and KPIs refetched every 15 s. */
async function mapClient(official: Session, until: () => boolean) {
  const stream = async () => {
    while (!until()) {
      try {
        const r = await official.fetch("/api/stream", { headers: { accept: "text/event-stream" } });
        const reader = r.body!.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done || until()) break;
          counts.streamBytes += value.length;
          for (const b of value) if (b === 10) counts.streamEvents++; // lines; an event ends with a blank one
        }
        await reader.cancel().catch(() => {});
      } catch {
        // reconnect as EventSource does
      }
      if (!until()) {
        counts.streamReconnects++;
        await sleep(1000);
      }
    }
  };
  const refetch = async () => {
    while (!until()) {
      for (const p of ["/api/map/layers/traffic/latest", "/api/map/layers/energy/latest", "/api/map/layers/safety/latest", "/api/map/kpis"]) {
        try {
          const r = await official.fetch(p);
          await r.arrayBuffer();
          counts.pageFetches++;
          // A layer the official may not read answers 403, as the page shows it; only 5xx is an error.
          if (r.status !== 200) pageStatuses.set(`${r.status} ${p}`, (pageStatuses.get(`${r.status} ${p}`) ?? 0) + 1);
          if (r.status >= 500) counts.pageErrors++;
        } catch {
          counts.pageErrors++;
        }
      }
      await sleep(15_000);
    }
  };
  await Promise.all([stream(), refetch()]);
}

function duBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += duBytes(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

async function main() {
  console.log(`soak: ${minutes} min (first ${warmup} min warm-up), ${rate} extra signed readings/s from ${nDevices} devices, data in ${dataDir}`);
  console.log(`soak: machine reference rate ${fmt(sha256Rate() / 1e6, 2)} M SHA-256/s, ${load()}`);
  const child = startConsole();
  let exited = false, stopping = false;
  child.once("exit", (code, sig) => {
    exited = true;
    if (!stopping) console.error(`soak: the console exited (${code ?? sig}); see ${path.join(dataDir, "soak-console.log")}`);
  });
  const t0 = Date.now();
  for (;;) {
    if (exited) process.exit(1);
    const ok = await fetch(`${base}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() - t0 > 300_000) throw new Error("the console did not answer /api/health within 5 minutes");
    await sleep(500);
  }
  console.log(`soak: console up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const admin = await new Session().signInAs("traffic", "dept_admin");
  const devices = await registerDevices(admin);
  // The check workers learn new keys from the registry's refresh (every 2 s, lib/ingest/device-cache.ts).
  await sleep(2500);
  const official = await new Session().signInAs("traffic", "official");
  const started = Date.now();
  const end = started + minutes * 60_000;
  const over = () => Date.now() >= end || exited;
  const work = Promise.all([sendLoad(devices, over), mapClient(official, over)]);

  type Sample = { min: number; rss: number; heap: number; heapGc: number; engine: number };
  const samples: Sample[] = [];
  const MB = 1024 * 1024;
  console.log("min  rss MB  heap MB  after GC  pglite MB  ext MB  loop p50/p99/max ms  db MB  folder MB  queued MB  accepted  refused  busy/failed  stream ev  reconn  page GET  load");
  for (let m = 1; m <= minutes && !exited; m++) {
    await sleep(Math.max(0, started + m * 60_000 - Date.now()));
    let mt: Map<string, number>;
    try {
      const r = await fetch(`${base}/api/metrics`, { headers: { authorization: `Bearer ${token}` } });
      mt = parseMetrics(await r.text());
    } catch (e) {
      console.log(`${String(m).padStart(3)}  metrics unreachable: ${(e as Error).message}`);
      continue;
    }
    const rss = mt.get("process_resident_memory_bytes")! / MB, heap = mt.get("nodejs_heap_used_bytes")! / MB;
    const heapGc = (mt.get("nodejs_heap_after_major_gc_bytes") ?? NaN) / MB, engine = (mt.get("citybrain_pglite_memory_bytes") ?? NaN) / MB;
    samples.push({ min: m, rss, heap, heapGc, engine });
    const ms = (q: string) => fmt((mt.get(`nodejs_eventloop_delay_seconds{quantile="${q}"}`) ?? NaN) * 1000, 0);
    console.log(
      [
        String(m).padStart(3),
        fmt(rss, 0).padStart(7),
        fmt(heap, 0).padStart(8),
        fmt(heapGc, 0).padStart(9),
        fmt(engine, 0).padStart(10),
        fmt(mt.get("nodejs_external_memory_bytes")! / MB, 0).padStart(7),
        `${ms("0.5")}/${ms("0.99")}/${ms("1")}`.padStart(20),
        fmt(mt.get("citybrain_database_bytes")! / MB, 0).padStart(6),
        fmt(duBytes(dataDir) / MB, 0).padStart(10),
        fmt((mt.get("citybrain_intake_queued_bytes") ?? NaN) / MB, 1).padStart(10),
        String(counts.accepted).padStart(9),
        String(counts.refused).padStart(8),
        `${counts.busy}/${counts.failedRequests}`.padStart(12),
        String(counts.streamEvents).padStart(10),
        String(counts.streamReconnects).padStart(7),
        `${counts.pageFetches}/${counts.pageErrors} err`.padStart(9),
        ` ${load()}`,
      ].join(" "),
    );
  }
  await work.catch(() => {});
  const after = samples.filter((s) => s.min > warmup);
  if (after.length >= 3) {
    const per = (k: "rss" | "heap" | "heapGc" | "engine") => memoryTrend(after.filter((s) => Number.isFinite(s[k])).map((s) => [s.min, s[k]]));
    console.log(
      `soak: after the ${warmup} min warm-up (minutes ${after[0].min}–${after[after.length - 1].min}): resident memory ${per("rss")}; ` +
        `heap ${per("heap")}; heap after the last full collection ${per("heapGc")}; PGlite's wasm memory ${per("engine")}`,
    );
  } else console.log(`soak: too few minutes after the warm-up for a slope (${after.length} samples)`);
  if (pageStatuses.size) console.log(`soak: map client answers other than 200: ${[...pageStatuses].map(([k, n]) => `${k} ×${n}`).join(", ")}`);
  console.log(`soak: ${counts.accepted} readings accepted (${fmt(counts.accepted / Math.max(1, (Math.min(Date.now(), end) - started) / 1000), 0)}/s), ${counts.refused} refused, ${counts.busy} posts answered busy (503), ${counts.failedRequests} failed requests, ${counts.skippedTicks} ticks skipped with 4 posts open; ${load()}`);
  stopping = true;
  child.kill("SIGTERM");
  await new Promise((r) => (exited ? r(null) : child.once("exit", r)));
  if (!process.env.SOAK_DATA_DIR) fs.rmSync(dataDir, { recursive: true, force: true });
  if (counts.failedRequests > 0 || counts.refused > 0 || counts.pageErrors > 0) process.exitCode = 1;
}

main().catch((e: Error) => {
  console.error(`soak: ${e.message}`);
  process.exit(1);
});
