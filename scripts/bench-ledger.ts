// npm run bench:ledger – the ledger's figures on this machine, printed:
//  1. sustained append rate of readings (row + ledger leaf) with a checkpoint every second and five in-process witnesses,
//     and the time from submit to a quorum-cosigned checkpoint (p50/p99);
//  2. inclusion and consistency proof latency at 1M leaves, and proof size;
//  3. audit rate (leaves re-verified per second) at 1M leaves.
//  4. the audit's floor: what the unavoidable parts cost per leaf on this machine (see floor()).
// Options: --seconds N (default 20), --leaves N (default 1000000), --only pglite|postgresql,
// --keep (keep the filled database and its keys for --reuse; printed where), --reuse (audit a
// database a --keep run left, skipping the append and proof parts; fills one first if none),
// --audits N (run the audit N times, default 1), --no-floor.
// The audit's worker threads: AUDIT_THREADS (default one per core).
// Every reading is signed by its device (5,000 sensors, their keys registered first), as
// intake requires and the audit verifies; the signing (libsodium where it loads) runs on this
// machine too, overlapped with the database storing the previous batch.
import { readLeafEntries } from "../lib/ledger-store/leaf-entries";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { storeReadings, type AcceptedReading } from "../lib/ingest/store-readings";
import { registerDeviceKeys } from "../lib/devices/register-devices";
import { signerFromSeed } from "../lib/sim/simulator-keys";
import { deviceKeyring, deviceSignatureOk, ed25519Implementation, packDeviceKeys } from "../lib/ledger-store/device-keyring";
import { canonicalJsonBytes } from "../lib/ledger/canonical-json";
import { createLogPublisher } from "../lib/ledger-store/log-service";
import { inProcessWitness } from "../lib/ledger-store/witnesses";
import { consistencyProofBetween, inclusionProofAt } from "../lib/ledger-store/proofs";
import { auditLedger } from "../lib/ledger-store/audit";
import { webCryptoEd25519 } from "../lib/ledger/ed25519";
import { generateNoteKey, SIG_TYPE_ED25519 } from "../lib/ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../lib/ledger/cosignature";
import type { Db } from "../lib/db/client";
import { openDb } from "../lib/db/client";
import { DEFAULT_ADMIN_URL, freshPostgres, postgresProblem, type FreshDb } from "../lib/testing/fresh-database";
import { benchDb } from "./bench/bench-db";
import { fmt, percentile } from "./bench/stats";
import { load } from "./bench/machine";

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const SECONDS = Number(arg("seconds", "20"));
const LEAVES = Number(arg("leaves", "1000000"));
const ONLY = arg("only", "");
const flag = (name: string) => process.argv.includes(`--${name}`);
const REUSE = flag("reuse");
const KEEP = flag("keep") || REUSE;
const AUDITS = Number(arg("audits", "1"));
const ORIGIN = "bench.city-brain.example/ledger";
const DEPTS = ["traffic", "energy", "safety", "emergency", "citizen"];

// The devices: 5,000 traffic sensors, each with its Ed25519 key (libsodium's signer where it
// loads: about three times node:crypto's rate; lib/sim/simulator-keys.ts).
const DEVICES = 5000;
const deviceId = (d: number) => `trf-${String(d).padStart(6, "0")}`;
const SIGNERS = Array.from({ length: DEVICES }, () => signerFromSeed(new Uint8Array(crypto.randomBytes(32))));

/** The sensors and their keys (device.v1 entries, the first leaves), in a new database. */
async function registerDevices(db: Db) {
  await db.sql.query(`INSERT INTO department (id, name_zh, name_en) VALUES ('traffic', '交通', 'Traffic') ON CONFLICT (id) DO NOTHING`);
  await db.sql.query(
    `INSERT INTO dataset (id, department_id, domain, name_zh, name_en, sensitivity) VALUES ('traffic.flow', 'traffic', 'traffic', '交通流', 'Traffic flow', 'public') ON CONFLICT (id) DO NOTHING`,
  );
  const ids = SIGNERS.map((_, d) => deviceId(d));
  await db.sql.query(`INSERT INTO device (id, department_id, dataset_id, kind, lon, lat) SELECT unnest($1::text[]), 'traffic', 'traffic.flow', 'traffic-sensor', 121.45, 37.46`, [ids]);
  await registerDeviceKeys(db.sql, ids.map((device, d) => ({ device, publicKey: SIGNERS[d].publicKey })), new Date(1_789_000_000_000));
}

// Readings as the ingest path stores them: a reading row and its reading.v1 leaf each, signed by their device.
function readings(n: number, start: number): AcceptedReading[] {
  const out: AcceptedReading[] = [];
  for (let i = 0; i < n; i++) {
    const seq = start + i;
    const d = seq % DEVICES;
    const values = { segmentId: `seg-${d}`, speedKmh: 20 + (seq % 40), flowVehH: 300 + (seq % 900), occupancy: (seq % 100) / 100 };
    const envelope = { device: deviceId(d), dataset: "traffic.flow", seq, observedAt: new Date(1_790_000_000_000 + seq).toISOString(), location: [121.4 + (seq % 100) / 1000, 37.4] as [number, number], values };
    const bytes = canonicalJsonBytes(envelope);
    out.push({ ...envelope, payloadHash: crypto.createHash("sha256").update(bytes).digest(), signature: SIGNERS[d].sign(bytes) });
  }
  return out;
}

async function setupLog(db: Db) {
  const ed = webCryptoEd25519();
  const logKey = await generateNoteKey(ed, ORIGIN, SIG_TYPE_ED25519);
  const witnessKeys = await Promise.all(DEPTS.map((d) => generateNoteKey(ed, `bench/witness/${d}`, SIG_TYPE_COSIGNATURE_V1)));
  const witnesses = await Promise.all(
    DEPTS.map((d, i) =>
      inProcessWitness({ sql: db.sql, department: d, signerKey: witnessKeys[i].signerKey, verifierKey: witnessKeys[i].verifierKey, log: { origin: ORIGIN, verifierKey: logKey.verifierKey } }),
    ),
  );
  let lastCosigned = { size: 0, cosigned: 0 };
  const publisher = await createLogPublisher({
    sql: db.sql,
    origin: ORIGIN,
    logSignerKey: logKey.signerKey,
    witnesses,
    intervalMs: 1000,
    onCheckpoint: (c) => (lastCosigned = c),
  });
  return { publisher, logKey, witnessKeys, cosigned: () => lastCosigned, quorum: 3 };
}

async function sustained(db: Db) {
  const log = await setupLog(db);
  const BATCH = 1000;
  const submitted: { last: number; at: number }[] = [];
  const latencies: number[] = [];
  let next = 0;
  let stop = false;
  const t0 = performance.now();
  // Writers: sequence batches as fast as the database takes them (the next batch is signed
  // while the database stores this one).
  const writer = (async () => {
    let batch = readings(BATCH, next);
    while (!stop) {
      next += BATCH;
      const storing = storeReadings(db.sql, batch);
      batch = readings(BATCH, next);
      const leaves = await storing;
      submitted.push({ last: leaves[leaves.length - 1], at: performance.now() });
      // PGlite can settle promises without returning to the event loop; let timers run.
      await new Promise((r) => setImmediate(r));
    }
  })();
  // Publisher: a round every second (integrate, checkpoint, cosign).
  let integrated = 0;
  const publisher = (async () => {
    while (!stop) {
      const roundStart = performance.now();
      await log.publisher.round();
      const { size, cosigned } = log.cosigned();
      if (cosigned >= log.quorum) {
        const now = performance.now();
        while (submitted.length && submitted[0].last < size) latencies.push(now - submitted.shift()!.at);
        integrated = size;
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - roundStart))));
    }
  })();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  stop = true;
  await writer;
  await publisher;
  const elapsed = (performance.now() - t0) / 1000;
  return { rate: integrated / elapsed, integrated, elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), log };
}

async function fill(db: Db, log: Awaited<ReturnType<typeof setupLog>>) {
  const [{ n }] = await db.sql.query<{ n: number }>(`SELECT next_index AS n FROM ledger_state`);
  let have = Number(n);
  const tFill = performance.now();
  let batch: AcceptedReading[] = readings(Math.min(20_000, LEAVES - have), have);
  while (batch.length) {
    const storing = storeReadings(db.sql, batch);
    have += batch.length;
    batch = readings(Math.min(20_000, LEAVES - have), have);
    await storing;
  }
  let size = 0;
  do size = await log.publisher.round();
  while (size < LEAVES);
  return { size, fillSeconds: (performance.now() - tFill) / 1000 };
}

async function proofs(db: Db, size: number) {
  const inc: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 1000; i++) {
    const idx = Math.floor(Math.random() * size);
    const t = performance.now();
    const p = await inclusionProofAt(db.sql, idx, size);
    inc.push(performance.now() - t);
    bytes = p.length * 32;
  }
  const con: number[] = [];
  let conBytes = 0;
  for (let i = 0; i < 200; i++) {
    const s1 = 1 + Math.floor(Math.random() * (size - 1));
    const t = performance.now();
    const p = await consistencyProofBetween(db.sql, s1, size);
    con.push(performance.now() - t);
    conBytes = Math.max(conBytes, p.length * 32);
  }
  return { inc, bytes, con, conBytes };
}

type Keys = { logVerifierKey: string; witnessVerifierKeys: string[]; quorum: number };

async function audit(db: Db, keys: Keys) {
  for (let i = 0; i < AUDITS; i++) {
    const before = load();
    const cpu0 = process.cpuUsage();
    const pg0 = db.sql.mode === "server" ? postgresCpuSeconds() : null;
    const a = await auditLedger(db.sql, { ...keys, threads: process.env.AUDIT_THREADS ? Number(process.env.AUDIT_THREADS) : undefined });
    const cpu = process.cpuUsage(cpu0);
    const pg1 = pg0 === null ? null : postgresCpuSeconds();
    // CPU per leaf: this process (all its threads) and the database server's processes, on a
    // shared machine steadier than the rate (which depends on what else runs).
    const us = (seconds: number) => fmt((seconds * 1e6) / Math.max(1, a.leaves), 2);
    const dbCpu = pg0 !== null && pg1 !== null ? `, database ${us(pg1 - pg0)}` : "";
    console.log(
      `  audit: ${a.ok ? "OK" : `FAILED (${a.discrepancyCount})`} ${a.leaves.toLocaleString()} leaves (${a.readings.toLocaleString()} readings, each device signature verified) in ${fmt(a.seconds, 2)} s = ${fmt(a.leaves / a.seconds, 0)} leaves/s (${a.threads} worker threads; ${before} before, ${load()} after); ` +
        `CPU per leaf: this process ${us((cpu.user + cpu.system) / 1e6)} µs${dbCpu}`,
    );
    // The checks around the leaves (issue 14: entry state against its tables, gateway batches,
    // checkpoints and cosignatures, tiles, rollback), as this thread spent them, beside the total.
    const p = a.phases;
    const around = p.checkpoints + p.tiles + p.state + p.gateways + p.recorded;
    console.log(
      `    checks around the leaves: ${fmt(around, 2)} s = ${fmt((100 * around) / a.seconds, 1)} % of the audit ` +
        `(checkpoints and cosignatures ${fmt(p.checkpoints, 2)} s, tiles ${fmt(p.tiles, 2)} s, entry state ${fmt(p.state, 2)} s, gateway batches ${fmt(p.gateways, 2)} s, recorded sizes and witnesses ${fmt(p.recorded, 2)} s)`,
    );
    if (!a.ok) for (const d of a.discrepancies.slice(0, 5)) console.log(`    ${d.table} ${d.id} ${d.leafIndex} ${d.what}`);
  }
  if (!flag("no-floor")) await printFloor(db);
}

// A database kept by --keep for --reuse: where it is and the keys to audit it with.
const stateFile = (kind: string) => path.join(os.tmpdir(), `citybrain-bench-ledger-${kind}-${LEAVES}.json`);
type Kept = { url?: string; dir?: string; keys: Keys };

async function openKept(kind: "pglite" | "postgresql"): Promise<{ db: Db; keys: Keys } | null> {
  if (!REUSE || !fs.existsSync(stateFile(kind))) return null;
  const kept = JSON.parse(fs.readFileSync(stateFile(kind), "utf8")) as Kept;
  try {
    const db = await openDb(kept.url ? { DATABASE_URL: kept.url, dataDir: os.tmpdir() } : { dataDir: kept.dir! });
    return { db, keys: kept.keys };
  } catch (e) {
    console.log(`(kept database ${kept.url ?? kept.dir} unusable: ${(e as Error).message}; filling a new one)`);
    return null;
  }
}

async function main() {
  console.log(`bench:ledger on ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}, ${load()}`);
  for (const kind of ["pglite", "postgresql"] as const) {
    if (ONLY && ONLY !== kind) continue;
    const kept = await openKept(kind);
    if (kept) {
      console.log(`\n== ${kind} (kept database, ${stateFile(kind)}) ==`);
      try {
        await audit(kept.db, kept.keys);
      } finally {
        await kept.db.close();
      }
      continue;
    }
    const db = KEEP ? await keptDb(kind) : await benchDb(kind);
    if (!db) continue;
    let keep = false;
    try {
      console.log(`\n== ${kind} ==`);
      await registerDevices(db);
      let log: Awaited<ReturnType<typeof setupLog>>;
      if (!REUSE) {
        const s = await sustained(db);
        log = s.log;
        console.log(`sustained append, checkpoint every 1 s, 5 witnesses (quorum 3), ${SECONDS} s (${load()}):`);
        console.log(`  integrated and quorum-cosigned: ${fmt(s.rate, 0)} entries/s (${s.integrated} entries)`);
        console.log(`  submit -> quorum-cosigned checkpoint: p50 ${fmt(s.p50, 0)} ms, p99 ${fmt(s.p99, 0)} ms`);
      } else log = await setupLog(db);
      const f = await fill(db, log);
      console.log(`at ${f.size.toLocaleString()} leaves (filled in ${fmt(f.fillSeconds)} s, ${load()}):`);
      if (!REUSE) {
        const p = await proofs(db, f.size);
        console.log(`  inclusion proof: p50 ${fmt(percentile(p.inc, 50), 2)} ms, p99 ${fmt(percentile(p.inc, 99), 2)} ms, ${p.bytes} bytes (${p.bytes / 32} hashes)`);
        console.log(`  consistency proof: p50 ${fmt(percentile(p.con, 50), 2)} ms, p99 ${fmt(percentile(p.con, 99), 2)} ms, up to ${p.conBytes} bytes`);
      }
      const keys: Keys = { logVerifierKey: log.logKey.verifierKey, witnessVerifierKeys: log.witnessKeys.map((k) => k.verifierKey), quorum: log.quorum };
      await audit(db, keys);
      if (KEEP) {
        const kept: Kept = { ...(db as { where?: { url?: string; dir?: string } }).where, keys };
        fs.writeFileSync(stateFile(kind), JSON.stringify(kept));
        console.log(`  kept for --reuse: ${kept.url ?? kept.dir} (${stateFile(kind)})`);
        keep = true;
      }
    } finally {
      if (keep) await db.close();
      else await db.drop();
    }
  }
}

/** A new database to keep: a PostgreSQL database or a PGlite folder named after this run. */
async function keptDb(kind: "pglite" | "postgresql"): Promise<(FreshDb & { where: { url?: string; dir?: string } }) | null> {
  const name = `citybrain_bench_kept_${process.pid}_${Date.now()}`;
  if (kind === "pglite") {
    const dir = path.join(os.tmpdir(), name);
    const db = await openDb({ dataDir: dir });
    return Object.assign(db, { where: { dir }, drop: async () => (await db.close(), fs.rmSync(dir, { recursive: true, force: true })) });
  }
  const adminUrl = process.env.TEST_DATABASE_URL || DEFAULT_ADMIN_URL;
  const problem = await postgresProblem(adminUrl);
  if (problem) {
    console.log(`(PostgreSQL at ${adminUrl} not reachable: ${problem}; skipped)`);
    return null;
  }
  const db = await freshPostgres(adminUrl, "citybrain_bench_kept");
  return Object.assign(db, { where: { url: db.url } });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

// ---- The audit's floor -------------------------------------------------------------------
// What the parts no audit design can skip cost per leaf on this machine: the database
// streaming every ledger row and reading row the audit needs, with nothing done to them
// (binary COPY, the bytes discarded), the SHA-256 work alone (per reading: the leaf hash
// over 0x00 || entry, the envelope hash, and one tree node hash), and the verification of
// the reading's device signature (Ed25519, as the audit verifies it), on one thread.

/** CPU seconds used so far by all PostgreSQL server processes on this machine (Linux /proc), ended ones included. */
function postgresCpuSeconds(): number | null {
  try {
    const tick = 100; // USER_HZ
    let t = 0;
    for (const pid of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue;
      }
      const close = stat.lastIndexOf(")");
      if (!stat.slice(stat.indexOf("(") + 1, close).startsWith("postgres")) continue;
      const f = stat.slice(close + 2).split(" ");
      // utime, stime and those of reaped children (fields 14-17): a backend that exits is
      // counted in the postmaster's from then on.
      t += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / tick;
    }
    return t;
  } catch {
    return null;
  }
}

const FLOOR_CHUNK = 16_384;
const floorLedger = (a: number, b: number) => `SELECT leaf_index, kind, entry, leaf_hash FROM ledger_leaf_all WHERE leaf_index >= ${a} AND leaf_index < ${b}`;
const floorReading = (a: number, b: number) =>
  `SELECT leaf_index, leaf_index AS id, dataset_id, device_id, seq, observed_at, lon, lat, payload::jsonb, payload_hash, signature, gateway_batch_id FROM reading WHERE leaf_index >= ${a} AND leaf_index < ${b}`;

async function printFloor(db: Db) {
  const [{ end }] = await db.sql.query<{ end: number }>(`SELECT coalesce(max(leaf_index), -1)::int8 + 1 AS end FROM ledger_leaf_all`);
  const leaves = Number(end);
  if (!leaves) return;
  console.log(`  floor (${load()}):`);
  const stream: { dbCpuUs: number | null; clientCpuUs: number; rate: number } = { dbCpuUs: null, clientCpuUs: 0, rate: 0 };
  // 1. Streaming alone, as the audit fetches: ranges in order, both tables at once on a server.
  for (const parallel of db.sql.mode === "server" ? [1, 2] : [1]) {
    const pg0 = postgresCpuSeconds();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let bytes = 0;
    let next = 0;
    const lane = async () => {
      while (next < leaves) {
        const a = next;
        next += FLOOR_CHUNK;
        const [l, r] =
          db.sql.mode === "server"
            ? await Promise.all([db.sql.copyOutBinary(floorLedger(a, a + FLOOR_CHUNK)), db.sql.copyOutBinary(floorReading(a, a + FLOOR_CHUNK))])
            : [await db.sql.copyOutBinary(floorLedger(a, a + FLOOR_CHUNK)), await db.sql.copyOutBinary(floorReading(a, a + FLOOR_CHUNK))];
        bytes += l.length + r.length;
      }
    };
    await Promise.all(Array.from({ length: parallel }, lane));
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const pg1 = postgresCpuSeconds();
    const us = (x: number) => fmt((x * 1e6) / leaves, 2);
    const dbCpu = db.sql.mode === "server" && pg0 !== null && pg1 !== null ? `, database CPU ${us(pg1 - pg0)} µs/leaf` : "";
    if (parallel === 1) {
      stream.clientCpuUs = ((cpu.user + cpu.system) / 1e6 / leaves) * 1e6;
      stream.rate = leaves / s;
      stream.dbCpuUs = db.sql.mode === "server" && pg0 !== null && pg1 !== null ? ((pg1 - pg0) / leaves) * 1e6 : null;
    }
    console.log(
      `    database streams the rows (binary COPY, nothing done to them${parallel > 1 ? `, ${parallel} ranges at once` : ""}): ${fmt(leaves / s, 0)} leaves/s, ${fmt(bytes / leaves, 0)} B/leaf; ` +
        `this process CPU ${us((cpu.user + cpu.system) / 1e6)} µs/leaf${dbCpu}`,
    );
  }
  // 2. SHA-256 alone on one thread, over the stored entries' bytes and envelope-sized inputs,
  // through node:crypto's one-shot hash with a latin1 ("binary") digest (the cheapest way Node offers:
  // a Buffer digest costs about three times as much per call).
  // (A reading's leaf stores no entry: the entries are rebuilt from the rows, as the audit does.)
  const sample = await readLeafEntries(db.sql, 0, FLOOR_CHUNK);
  const prefixed = sample.filter((r) => r.entry).map((r) => Buffer.concat([Buffer.from([0]), Buffer.from(r.entry!)]));
  const envelope = Buffer.from(
    `{"dataset":"traffic.flow","device":"trf-000001","location":[121.401,37.4],"observedAt":"2026-09-21T19:06:40.001Z","seq":1,"values":{"flowVehH":301,"occupancy":0.01,"segmentId":"seg-1","speedKmh":21}}`,
  );
  const node = Buffer.alloc(65, 1);
  const rounds = Math.max(1, Math.ceil(300_000 / prefixed.length));
  let x = 0;
  const t1 = performance.now();
  for (let k = 0; k < rounds; k++) {
    for (const e of prefixed) {
      x ^= crypto.hash("sha256", e, "binary").charCodeAt(0);
      x ^= crypto.hash("sha256", envelope, "binary").charCodeAt(0);
      x ^= crypto.hash("sha256", node, "binary").charCodeAt(0);
    }
  }
  const hashUs = ((performance.now() - t1) * 1000) / (rounds * prefixed.length);
  const avgEntry = prefixed.reduce((a, b) => a + b.length, 0) / prefixed.length;
  console.log(
    `    SHA-256 alone, one thread (leaf hash over ${fmt(avgEntry, 0)} B, envelope hash over ${envelope.length} B, one node hash): ${fmt(hashUs, 2)} µs/leaf` +
      ` = ${fmt(1e6 / hashUs, 0)} leaves/s per core${x === 256 ? "" : ""}`,
  );
  // 3. Ed25519 verification alone, one thread, through the audit's own verifier, of one
  // device's signature over the envelope above.
  const signer = SIGNERS[0];
  const signature = signer.sign(envelope);
  const ring = deviceKeyring(packDeviceKeys([{ device: "d", fromLeaf: -1, untilLeaf: null, retiredBy: null, publicKey: signer.publicKey }]));
  const verifications = 5000;
  let verified = 0;
  const t2 = performance.now();
  for (let i = 0; i < verifications; i++) if (deviceSignatureOk(ring, "d", 0, false, envelope, signature)) verified++;
  const verifyUs = ((performance.now() - t2) * 1000) / verifications;
  if (verified !== verifications) throw new Error("floor: the device signature did not verify");
  console.log(`    Ed25519 verification alone, one thread (${ed25519Implementation()}): ${fmt(verifyUs, 2)} µs per reading = ${fmt(1e6 / verifyUs, 0)} readings/s per core`);
  if (stream.dbCpuUs !== null) {
    const floorUs = stream.dbCpuUs + stream.clientCpuUs + hashUs + verifyUs;
    const cores = os.availableParallelism();
    console.log(
      `    floor: ${fmt(floorUs, 2)} core-µs per leaf (database ${fmt(stream.dbCpuUs, 2)} + receiving ${fmt(stream.clientCpuUs, 2)} + SHA-256 ${fmt(hashUs, 2)} + Ed25519 ${fmt(verifyUs, 2)}): at most ${fmt((cores * 1e6) / floorUs, 0)} leaves/s on ${cores} idle cores, before any check`,
    );
  } else {
    // Embedded: the database runs on this thread; the hashing and verifying can run beside it on other cores.
    console.log(
      `    floor: the database streaming on this thread, ${fmt(1e6 / stream.rate, 2)} µs per leaf: at most ${fmt(stream.rate, 0)} leaves/s, before any check (the checks, ${fmt(hashUs, 2)} µs of SHA-256 and ${fmt(verifyUs, 2)} µs of Ed25519 per leaf, run on other cores)`,
    );
  }
}
