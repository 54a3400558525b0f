// npm run bench:provenance – provenance figures on this machine, printed:
//  - server time (p50/p95) to assemble a reading's trail and proofs at N leaves (default 1M);
//  - full audit rate at that size (leaves/s), with progress;
//  - time for the browser's checks on the provenance page (headless Chromium, SwiftShader),
//    measured on a running console (proof length grows with log2 of the ledger, so this
//    figure hardly depends on its size).
// Options: --leaves N, --only pglite|postgresql, --skip-browser
import crypto from "node:crypto";
import os from "node:os";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { chromium } from "@playwright/test";
import { storeReadings, type AcceptedReading } from "../lib/ingest/store-readings";
import { registerDeviceKeys } from "../lib/devices/register-devices";
import { signerFromSeed } from "../lib/sim/simulator-keys";
import { canonicalJsonBytes } from "../lib/ledger/canonical-json";
import { createLogPublisher } from "../lib/ledger-store/log-service";
import { inProcessWitness } from "../lib/ledger-store/witnesses";
import { setLogInfo } from "../lib/ledger-store/log-info";
import { auditLedger } from "../lib/ledger-store/audit";
import { setDb } from "../lib/db/client";
import { getReadingTrail } from "../lib/provenance/get-reading-trail";
import { webCryptoEd25519 } from "../lib/ledger/ed25519";
import { generateNoteKey, SIG_TYPE_ED25519 } from "../lib/ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../lib/ledger/cosignature";
import { benchDb } from "./bench/bench-db";
import { fmt, percentile } from "./bench/stats";

const arg = (n: string, d: string) => (process.argv.includes(`--${n}`) ? process.argv[process.argv.indexOf(`--${n}`) + 1] : d);
const LEAVES = Number(arg("leaves", "1000000"));
const ONLY = arg("only", "");
const DEVICES = 2000;
const ORIGIN = "bench.city-brain.example/ledger";

async function atScale(kind: "pglite" | "postgresql") {
  const db = await benchDb(kind);
  if (!db) return;
  try {
    setDb(db);
    await db.sql.query(`INSERT INTO department (id, name_zh, name_en) VALUES ('traffic', '交通', 'Traffic')`);
    await db.sql.query(`INSERT INTO dataset (id, department_id, domain, name_zh, name_en, sensitivity) VALUES ('traffic.flow', 'traffic', 'traffic', '交通流', 'Traffic flow', 'public')`);
    const signers = Array.from({ length: DEVICES }, () => signerFromSeed(new Uint8Array(crypto.randomBytes(32))));
    const ids = signers.map((_, i) => `trf-${String(i).padStart(6, "0")}`);
    await db.sql.query(
      `INSERT INTO device (id, department_id, dataset_id, kind, lon, lat) SELECT unnest($1::text[]), 'traffic', 'traffic.flow', 'traffic-sensor', 121.45, 37.46`,
      [ids],
    );
    await registerDeviceKeys(db.sql, ids.map((id, i) => ({ device: id, publicKey: signers[i].publicKey })), new Date(1_789_000_000_000));
    const ed = webCryptoEd25519();
    const log = await generateNoteKey(ed, ORIGIN, SIG_TYPE_ED25519);
    const wk = await Promise.all([0, 1, 2, 3, 4].map((i) => generateNoteKey(ed, `bench/witness/${i}`, SIG_TYPE_COSIGNATURE_V1)));
    const witnesses = await Promise.all(wk.map((k, i) => inProcessWitness({ sql: db.sql, department: `d${i}`, signerKey: k.signerKey, verifierKey: k.verifierKey, log: { origin: ORIGIN, verifierKey: log.verifierKey } })));
    setLogInfo({ origin: ORIGIN, logVerifierKey: log.verifierKey, witnesses: witnesses.map((w) => ({ department: w.department, name: w.name, verifierKey: w.verifierKey })), quorum: 3 });
    const publisher = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: log.signerKey, witnesses, intervalMs: 1000 });
    const t0 = performance.now();
    for (let n = DEVICES; n < LEAVES; ) {
      const k = Math.min(10_000, LEAVES - n);
      const batch: AcceptedReading[] = [];
      for (let i = 0; i < k; i++) {
        const seq = n + i;
        const d = seq % DEVICES;
        const envelope = { device: ids[d], dataset: "traffic.flow", seq, observedAt: new Date(1_790_000_000_000 + seq * 10).toISOString(), location: [121.45, 37.46] as [number, number], values: { segmentId: "seg-1", speedKmh: 20 + (seq % 50), flowVehH: 900, occupancy: 0.2 } };
        const bytes = canonicalJsonBytes(envelope);
        batch.push({ ...envelope, payloadHash: crypto.hash("sha256", bytes, "buffer"), signature: signers[d].sign(bytes) });
      }
      await storeReadings(db.sql, batch);
      n += k;
      if (n % 100_000 < 10_000) {
        await publisher.round();
        process.stderr.write(`\rfilled ${n.toLocaleString()} leaves`);
      }
    }
    while ((await publisher.round()) < LEAVES);
    process.stderr.write("\n");
    console.log(`\n== ${kind}: ${LEAVES.toLocaleString()} leaves (filled in ${fmt((performance.now() - t0) / 1000)} s) ==`);
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const leaf = DEVICES + Math.floor(Math.random() * (LEAVES - DEVICES));
      const t = performance.now();
      const trail = await getReadingTrail({ viewer: { kind: "guest" }, leafIndex: leaf });
      times.push(performance.now() - t);
      if (!trail.datum) throw new Error(`leaf ${leaf} has no datum`);
    }
    console.log(`provenance trail + proofs, server time: p50 ${fmt(percentile(times, 50), 1)} ms, p95 ${fmt(percentile(times, 95), 1)} ms (200 random readings)`);
    let lastPct = -1;
    const report = await auditLedger(db.sql, {
      logVerifierKey: log.verifierKey,
      witnessVerifierKeys: wk.map((k) => k.verifierKey),
      quorum: 3,
      onProgress: (done, total) => {
        const pct = Math.floor((100 * done) / total);
        if (pct >= lastPct + 10) {
          lastPct = pct;
          process.stderr.write(`\raudit ${pct}%`);
        }
      },
    });
    process.stderr.write("\n");
    console.log(`full audit: ${report.ok ? "OK" : `FAILED (${report.discrepancyCount})`}, ${report.leaves.toLocaleString()} leaves in ${fmt(report.seconds, 2)} s = ${fmt(report.leaves / report.seconds, 0)} leaves/s`);
  } finally {
    await db.drop();
  }
}

async function browserChecks() {
  if (!fs.existsSync(".next/BUILD_ID")) {
    console.log("(browser checks skipped: no production build; run npm run build)");
    return;
  }
  const port = 3395;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-prov-"));
  const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dir, MQTT_PORT: String(port + 15000), DATABASE_URL: "", SIM_INTERVAL_MS: "1000" },
    stdio: "ignore",
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    let leaf = -1;
    for (let i = 0; i < 120 && leaf < 0; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      try {
        const info = await (await fetch(`${base}/api/ledger/info`)).json();
        const { readings } = await (await fetch(`${base}/api/traffic/latest`)).json();
        leaf = readings.find((r: { leafIndex: number }) => info.latestFinal && r.leafIndex < info.latestFinal.size)?.leafIndex ?? -1;
      } catch {
        /* not up yet */
      }
    }
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-background-networking", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"] });
    const ms: number[] = [];
    for (let i = 0; i < 10; i++) {
      const page = await browser.newPage();
      await page.goto(`${base}/provenance/reading/${leaf}`);
      const v = page.getByTestId("verdict");
      await v.waitFor({ timeout: 30_000 });
      ms.push(Number(await v.getAttribute("data-verify-ms")));
      await page.close();
    }
    await browser.close();
    console.log(`browser checks on the provenance page (headless Chromium): median ${fmt(percentile(ms, 50), 0)} ms, p95 ${fmt(percentile(ms, 95), 0)} ms (10 loads)`);
  } finally {
    child.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`bench:provenance on ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}`);
  for (const kind of ["pglite", "postgresql"] as const) if (!ONLY || ONLY === kind) await atScale(kind);
  if (!process.argv.includes("--skip-browser")) await browserChecks();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
