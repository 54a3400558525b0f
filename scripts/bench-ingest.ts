// npm run bench:ingest – signed ingest figures on this machine, on PGlite and on PostgreSQL.
// Prints figures; it asserts nothing. Devices and gateways sign before the clock starts and
// send from a separate process (on a real deployment they are other machines); the console's work is timed end to end:
// transport, parse, schema, signature verification on worker threads, storage with ledger
// leaves, with the log integrating and checkpointing every second as in production.
// BENCH_PARTS (default mqtt,mqtt-tls,ndjson,gateway,latency,mosquitto,floor) picks the parts to run.
// mqtt is the former transport (plaintext, anonymous, 8 connections); mqtt-tls the device
// transport of issue 13, one connection per device authenticated with its token, first over
// the broker's loopback plaintext listener and then over TLS, in the same run.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { Readable } from "node:stream";
import mqtt, { type MqttClient } from "mqtt";
import { generateCity } from "../lib/city";
import type { Device } from "../lib/city/types";
import type { Db } from "../lib/db/client";
import { setDb } from "../lib/db/client";
import { seedCity } from "../lib/server/seed";
import { signerFromSeed, type DeviceSigner } from "../lib/sim/simulator-keys";
import { registerDeviceKeys } from "../lib/devices/register-devices";
import { unsafeRegisterNewDevices } from "../lib/devices/register-device";
import { Intake } from "../lib/ingest/intake";
import { DEFAULT_COMMIT_INTERVAL_MS } from "../lib/config";
import { setIntake } from "../lib/ingest/intake-instance";
import { ingestHttpBatch } from "../lib/ingest/ingest-http";
import { signEnvelope, type Envelope } from "../lib/ingest/envelope";
import { signGatewayBatch } from "../lib/ingest/gateway";
import { startEmbeddedBroker } from "../lib/mqtt/embedded-broker";
import { ensureLocalServerTls } from "../lib/mqtt/tls-files";
import { makeDeviceToken } from "../lib/mqtt/device-token";
import { readingsTopic } from "../lib/mqtt/topics";
import { discardExternalSessions, startExternalIntake } from "../lib/mqtt/external-intake";
import { webCryptoEd25519 } from "../lib/ledger/ed25519";
import { generateNoteKey, SIG_TYPE_ED25519 } from "../lib/ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../lib/ledger/cosignature";
import { createLogPublisher, runEvery } from "../lib/ledger-store/log-service";
import { inProcessWitness } from "../lib/ledger-store/witnesses";
import { benchDb } from "./bench/bench-db";
import { valuesFor } from "./bench/bench-values";
import { storageBytesPerReading } from "./bench/storage-bytes";
import type { Viewer } from "../lib/access/viewer";
import { getLayerLatest } from "../lib/map/get-layer-latest";
import { procCpuMs, threadCpuMs, load } from "./bench/machine";
import { CHECK_THREAD_NAME } from "../lib/ingest/check-pool";
import { fmt, percentile } from "./bench/stats";
import { insertReadings, prepareReadingRows, type AcceptedReading } from "../lib/ingest/store-readings";
import { appendEntries } from "../lib/ledger-store/append-entries";
import { runTurn, WriterTurns, type Turn } from "../lib/ingest/writer-turns";
import { ed25519Check } from "../lib/ingest/verifier";

const SIGNED = Number(process.env.BENCH_SIGNED ?? 40_000);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 200);
const BATCH = 500;
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 2000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const PARTS = new Set((process.env.BENCH_PARTS ?? "mqtt,mqtt-tls,ndjson,gateway,latency,mosquitto,floor").split(","));
/**
 * CPU time spent on a part, read from the kernel: the console process (all its threads: HTTP,
 * intake, check workers, the log and its witnesses; PGlite runs inside it) and the PostgreSQL
 * backends serving the bench database. Unlike readings/s, CPU per reading does not depend on
 * what else the machine runs, so it says what the path costs.
 */
async function cpuMeter(db: Db, commits: () => number = () => 0) {
  const backends = async (): Promise<number[]> =>
    db.sql.mode === "server" ? (await db.sql.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)).map((r) => Number(r.pid)) : [];
  const pids = await backends();
  let start = new Map<number, number>();
  let u0 = process.cpuUsage();
  let c0 = commits();
  let threads0 = threadCpuMs(process.pid);
  let t0 = 0n;
  /** Call when the load starts (after the readings were signed, which is not the console's work). */
  const go = () => {
    start = new Map(pids.map((pid) => [pid, procCpuMs(pid)]));
    threads0 = threadCpuMs(process.pid);
    u0 = process.cpuUsage();
    c0 = commits();
    t0 = process.hrtime.bigint();
  };
  const result = async (n: number) => {
    const u = process.cpuUsage(u0);
    const t1 = process.hrtime.bigint();
    const threads = threadCpuMs(process.pid);
    // For --cpu-prof: the part's window on the monotonic clock the profiles' timestamps use (µs).
    if (process.env.BENCH_PROFILE_WINDOW) console.log(`  (profile window: ${t0 / 1000n} ${t1 / 1000n} µs)`);
    let dbMs = 0;
    // A backend that ended during the part reads 0 now: its CPU is not counted (rather than subtracted).
    for (const pid of new Set([...start.keys(), ...(await backends())])) dbMs += Math.max(0, procCpuMs(pid) - (start.get(pid) ?? 0));
    const consoleUs = (u.user + u.system) / n;
    const dbUs = (dbMs * 1000) / n;
    const cores = os.availableParallelism();
    const c = commits() - c0;
    return `${c ? `${c} commits of ${fmt(n / c, 0)} readings on average; ` : ""}CPU per reading: console ${fmt(consoleUs, 0)} µs${db.sql.mode === "server" ? `, PostgreSQL ${fmt(dbUs, 0)} µs` : " (database included)"}; ${cores} idle cores would take ${fmt((cores * 1e6) / (consoleUs + dbUs), 0)}/s\n  ${threadSplit(threads0, threads, n)}`;
  };
  return { go, result };
}
/**
 * The console's CPU per reading by thread, from /proc/<pid>/task/<tid>/stat (10 ms ticks, so
 * about ±0.1 µs per reading over 100,000): the intake's thread (the main one: transports,
 * storage transaction, log), the check workers (named CHECK_THREAD_NAME) and the rest (V8's
 * compiler and GC helpers, libuv's pool). A thread that ended during the part is not counted.
 */
function threadSplit(before: Map<number, { ms: number }>, after: Map<number, { name: string; ms: number }>, n: number): string {
  let main = 0;
  let check = 0;
  let checkThreads = 0;
  let other = 0;
  for (const [tid, t] of after) {
    const ms = t.ms - (before.get(tid)?.ms ?? 0);
    if (tid === process.pid) main += ms;
    else if (t.name === CHECK_THREAD_NAME) {
      check += ms;
      checkThreads++;
    } else other += ms;
  }
  const us = (ms: number) => fmt((ms * 1000) / n, 1);
  return `console CPU per reading by thread (/proc/<pid>/task): intake (main) thread ${us(main)} µs, ${checkThreads} check workers ${us(check)} µs, other threads ${us(other)} µs`;
}

/** The 1-minute load average, printed beside each figure (the machine is shared). */

const city = generateCity({ seed: "bench", size: 1 });
const devices = city.devices;
const signers = new Map<string, DeviceSigner>(devices.map((d) => [d.id, signerFromSeed(new Uint8Array(crypto.createHash("sha256").update(`bench/${d.id}`).digest()))]));
// Nine gateways, three per department, each serving a third of its department's devices.
const gateways = ["traffic", "energy", "safety"].flatMap((dept) =>
  [0, 1, 2].map((part) => ({ id: `gw-${dept}-${part}`, dept, part, signer: signerFromSeed(new Uint8Array(crypto.createHash("sha256").update(`bench/gw/${dept}/${part}`).digest())) })),
);

const seqOf = new Map<string, number>();
const T0 = Date.now() - 3_600_000;
function envelope(d: Device, observedAt?: string): Envelope {
  const seq = (seqOf.get(d.id) ?? 0) + 1;
  seqOf.set(d.id, seq);
  return { device: d.id, dataset: d.datasetId, seq, observedAt: observedAt ?? new Date(T0 + seq * 1000).toISOString(), location: d.location, values: valuesFor(d, seq) };
}
const sign = (e: Envelope) => signEnvelope(e, signers.get(e.device)!.sign);

async function setUp(db: Db) {
  setDb(db);
  await seedCity(db, city);
  await registerDeviceKeys(db.sql, devices.map((d) => ({ device: d.id, publicKey: signers.get(d.id)!.publicKey })));
  await unsafeRegisterNewDevices(db.sql, gateways.map((g) => ({ id: g.id, departmentId: g.dept, datasetId: "*", kind: "gateway" as const, location: city.center, publicKey: g.signer.publicKey })));
  // The readings are dated from T0 (an hour ago): the devices were registered before that
  // (readings dated before their device's registration are refused).
  await db.sql.query(`UPDATE device SET created_at = $1`, [new Date(T0 - 86_400_000)]);
  const ed = webCryptoEd25519();
  const origin = "bench.city-brain.example/ledger";
  const logKey = await generateNoteKey(ed, origin, SIG_TYPE_ED25519);
  const witnesses = [];
  for (const dept of ["traffic", "energy", "safety", "emergency", "citizen"]) {
    const k = await generateNoteKey(ed, `bench/witness/${dept}`, SIG_TYPE_COSIGNATURE_V1);
    witnesses.push(await inProcessWitness({ sql: db.sql, department: dept, signerKey: k.signerKey, verifierKey: k.verifierKey, log: { origin, verifierKey: logKey.verifierKey } }));
  }
  const publisher = await createLogPublisher({ sql: db.sql, origin, logSignerKey: logKey.signerKey, witnesses, intervalMs: 1000 });
  const stopLog = runEvery(1000, publisher.round, (e) => console.log(`  (ledger round failed: ${e.message})`));
  // Paced as the console is (INGEST_COMMIT_INTERVAL_MS; 0 for none).
  // Writers as the console's (INGEST_WRITERS, default 1; 2 on PostgreSQL only).
  const writers = db.sql.mode === "server" ? Number(process.env.INGEST_WRITERS ?? 1) : 1;
  const intake = await Intake.start({
    sql: db.sql,
    maxMessageBytes: 16 * 1024,
    maxBatchBytes: 8 * 1024 * 1024,
    commitIntervalMs: Number(process.env.INGEST_COMMIT_INTERVAL_MS ?? DEFAULT_COMMIT_INTERVAL_MS),
    writers,
  });
  setIntake(intake);
  // The former transport (plaintext, anonymous) beside the device transport of issue 13 (TLS
  // with device tokens, and its loopback plaintext listener), feeding the same intake.
  const broker = await startEmbeddedBroker({ intake, port: 0, authenticate: false });
  const tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-ingest-tls-"));
  const material = ensureLocalServerTls(tlsDir, []);
  const secure = await startEmbeddedBroker({ intake, port: 0, tls: material, plainPort: 0 });
  const server = http.createServer((req, res) => {
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: Readable.toWeb(req) as ReadableStream,
      duplex: "half",
    } as RequestInit);
    ingestHttpBatch({ req: request }).then(
      (r) => res.writeHead(r.status, { "content-type": "application/json" }).end(JSON.stringify(r.body)),
      (e: Error) => res.writeHead(500).end(e.message),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const httpPort = (server.address() as { port: number }).port;
  return {
    intake,
    writers,
    mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
    tlsUrl: secure.url,
    plainAuthUrl: `mqtt://127.0.0.1:${secure.plainPort}`,
    ca: material.ca,
    batchUrl: `http://127.0.0.1:${httpPort}/api/ingest/batch`,
    async stop() {
      await stopLog();
      await new Promise<void>((r) => server.close(() => r()));
      await broker.close();
      await secure.close();
      fs.rmSync(tlsDir, { recursive: true, force: true });
      await intake.close();
      setIntake(null);
    },
  };
}

/** The last load's connection set-up: its duration and the console's CPU while the devices connected. */
let lastConnect = { ms: 0, consoleCpuMs: 0 };

/**
 * Runs the load in a separate process (devices and gateways are other machines) and returns its elapsed time.
 * With `auth` (MQTT), each lane is one device connection authenticated with its credentials.
 */
async function loadFromChild(mode: "mqtt" | "http" | "ndjson", url: string, lanes: number, lines: object[], onGo?: () => void, auth?: { ca: string; lanes: { clientId: string; username: string; password: string }[] }): Promise<number> {
  const file = path.join(os.tmpdir(), `bench-ingest-${process.pid}-${mode}.ndjson`);
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n"));
  const authFile = auth ? path.join(os.tmpdir(), `bench-ingest-${process.pid}-auth.json`) : null;
  if (authFile) fs.writeFileSync(authFile, JSON.stringify(auth), { mode: 0o600 });
  const cpu0 = process.cpuUsage();
  const child = spawn(process.execPath, [path.resolve("scripts/bench/load-client.mjs"), mode, url, String(lanes), file, ...(authFile ? [authFile] : [])], { stdio: ["pipe", "pipe", "inherit"] });
  const out = readline.createInterface({ input: child.stdout! });
  const it = out[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.value !== "ready") throw new Error(`load client: ${first.value}`);
  const cpu = process.cpuUsage(cpu0);
  onGo?.();
  child.stdin!.write("go\n");
  const res = JSON.parse((await it.next()).value as string) as { ms: number; errors: number; connectMs: number };
  fs.rmSync(file, { force: true });
  if (authFile) fs.rmSync(authFile, { force: true });
  lastConnect = { ms: res.connectMs, consoleCpuMs: (cpu.user + cpu.system) / 1000 };
  if (res.errors) console.log(`  (${res.errors} requests failed)`);
  return res.ms / 1000;
}

async function connectAll(url: string): Promise<MqttClient[]> {
  return Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => mqtt.connectAsync(url, { clientId: `bench-${i}-${process.pid}`, clean: true })));
}

async function signedOverMqtt(ctx: Awaited<ReturnType<typeof setUp>>, onGo?: () => void) {
  const msgs = Array.from({ length: SIGNED }, (_, i) => {
    const d = devices[i % devices.length];
    return { topic: readingsTopic(d.departmentId, d.datasetId), payload: Buffer.from(JSON.stringify(sign(envelope(d)))) };
  });
  const before = ctx.intake.stats().accepted;
  // A device's readings go through one connection, in order, as one device would send them.
  const s = await loadFromChild("mqtt", ctx.mqttUrl, CONNECTIONS, msgs.map((m, i) => ({ lane: i % devices.length, topic: m.topic, payload: m.payload.toString() })), onGo);
  const stored = ctx.intake.stats().accepted - before;
  return { rate: stored / s, stored, seconds: s, refused: ctx.intake.stats().refused };
}

/**
 * The device transport of issue 13: one connection per device (as the simulator and real
 * devices connect), client id and user name the device id, password a token signed with its
 * key; `url` is the TLS listener or the broker's loopback plaintext one. Devices connect
 * before the clock starts; the connection set-up is reported on its own.
 */
async function signedOverMqttPerDevice(ctx: Awaited<ReturnType<typeof setUp>>, url: string, onGo?: () => void) {
  const msgs = Array.from({ length: SIGNED }, (_, i) => {
    const d = devices[i % devices.length];
    return { lane: i % devices.length, topic: readingsTopic(d.departmentId, d.datasetId), payload: JSON.stringify(sign(envelope(d))) };
  });
  const auth = { ca: ctx.ca, lanes: devices.map((d) => ({ clientId: d.id, username: d.id, password: makeDeviceToken(d.id, signers.get(d.id)!.sign, { seconds: 3600 }) })) };
  const before = ctx.intake.stats().accepted;
  const s = await loadFromChild("mqtt", url, devices.length, msgs, onGo, auth);
  const stored = ctx.intake.stats().accepted - before;
  return { rate: stored / s, stored, seconds: s, connect: lastConnect };
}

async function signedOverNdjson(ctx: Awaited<ReturnType<typeof setUp>>, onGo?: () => void) {
  const LINES = 1000;
  const LANES = 4;
  // Each lane carries a fixed quarter of the devices, so a device's readings stay in order.
  const perLane: string[][] = Array.from({ length: LANES }, () => []);
  for (let i = 0; i < SIGNED; i++) {
    const di = i % devices.length;
    perLane[di % LANES].push(JSON.stringify(sign(envelope(devices[di]))));
  }
  const bodies = perLane.flatMap((lines, lane) => {
    const out: { lane: number; body: string }[] = [];
    for (let i = 0; i < lines.length; i += LINES) out.push({ lane, body: lines.slice(i, i + LINES).join("\n") });
    return out;
  });
  const before = ctx.intake.stats().accepted;
  const s = await loadFromChild("ndjson", ctx.batchUrl, LANES, bodies, onGo);
  const stored = ctx.intake.stats().accepted - before;
  return { rate: stored / s, stored, seconds: s };
}

async function gatewayBatchesOverHttp(ctx: Awaited<ReturnType<typeof setUp>>, onGo?: () => void) {
  const served = new Map(gateways.map((g) => [g.id, devices.filter((d, i) => d.departmentId === g.dept && i % 3 === g.part)]));
  const bodies: string[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const g = gateways[b % gateways.length];
    const devs = served.get(g.id)!;
    const readings = Array.from({ length: BATCH }, (_, i) => sign(envelope(devs[(b * BATCH + i) % devs.length])));
    bodies.push(JSON.stringify(signGatewayBatch(g.id, readings, g.signer.sign)));
  }
  const before = ctx.intake.stats().accepted;
  // Nine gateways at once, each sending its batches one after another.
  const s = await loadFromChild("http", ctx.batchUrl, gateways.length, bodies.map((body, b) => ({ lane: b % gateways.length, body })), onGo);
  const stored = ctx.intake.stats().accepted - before;
  return { rate: stored / s, stored, seconds: s };
}

/**
 * The storage floor: what the database alone takes to store gateway-batched readings with
 * their ledger leaves, from rows prepared before the clock starts (no transport, parsing,
 * checks or hashing), in groups of 5,000 as the intake's: one writer, or (`writers` 2, on
 * PostgreSQL) two in turns as the intake's (lib/ingest/writer-turns.ts: a group COPYs its
 * reading rows with forecast leaf indexes while the group before commits, then takes its leaves
 * under the lock). No end-to-end figure can beat it; its CPU per reading says what the database
 * needs per reading.
 */
async function storageFloor(db: Db, onGo: () => void, writers: 1 | 2) {
  const N = Number(process.env.BENCH_FLOOR ?? 200_000);
  const GROUP = 5000;
  const gw = { device: gateways[0].id, batchRoot: crypto.randomBytes(32), signature: crypto.randomBytes(64) };
  const groups: AcceptedReading[][] = [];
  for (let s = 0; s < N; s += GROUP) {
    const g: AcceptedReading[] = [];
    for (let i = s; i < Math.min(N, s + GROUP); i++) {
      const d = devices[i % devices.length];
      const e = envelope(d);
      const r: AcceptedReading = { ...e, seq: 1e9 + e.seq, payloadHash: crypto.randomBytes(32), signature: crypto.randomBytes(64), gateway: gw };
      r.prepared = prepareReadingRows(r);
      g.push(r);
    }
    groups.push(g);
  }
  const alone = (g: AcceptedReading[]) =>
    db.sql.transaction(async (tx) => {
      const first = await appendEntries(tx, g.map((r) => r.prepared!.entry));
      await insertReadings(tx, g, first);
    });
  const turns = new WriterTurns();
  let missed = 0;
  const inTurn = async (g: AcceptedReading[], turn: Turn) => {
    try {
      const { held } = await runTurn(db.sql, turn, {
        early: async (tx, first, decided) => {
          decided(g.length);
          await insertReadings(tx, g, first);
          return first;
        },
        locked: async (tx, first) => void (await appendEntries(tx, g.map((r) => r.prepared!.entry), { at: first })),
        alone: () => alone(g),
      });
      if (!held) missed++;
    } finally {
      turn.ended();
    }
  };
  onGo();
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (const g of groups) {
    if (writers === 1) await alone(g);
    else {
      if (inFlight.length === 2) await inFlight.shift();
      inFlight.push(inTurn(g, turns.next()));
    }
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - t0) / 1000;
  return { rate: N / seconds, stored: N, seconds, missed };
}

/**
 * The MQTT_URL mode: the intake subscribed to the machine's Mosquitto. Mosquitto keeps at most
 * max_queued_messages (1,000 by default) per subscriber beyond max_inflight_messages (20) and
 * drops the rest, so the burst stays below that per intake topic (one connection each).
 */
async function signedViaExternalBroker(ctx: Awaited<ReturnType<typeof setUp>>, url: string) {
  const PER_TOPIC = 900;
  const ext = startExternalIntake({ intake: ctx.intake, url, clientId: `bench-intake-${process.pid}` });
  try {
    for (let i = 0; i < 100 && !ext.connected(); i++) await new Promise((r) => setTimeout(r, 100));
    if (!ext.connected()) return null;
    await new Promise((r) => setTimeout(r, 300));
    const perTopic = new Map<string, number>();
    const msgs: { lane: number; topic: string; payload: string }[] = [];
    for (let i = 0; msgs.length < 8 * PER_TOPIC && i < 20 * devices.length; i++) {
      const d = devices[i % devices.length];
      const topic = readingsTopic(d.departmentId, d.datasetId);
      if ((perTopic.get(topic) ?? 0) >= PER_TOPIC) continue;
      perTopic.set(topic, (perTopic.get(topic) ?? 0) + 1);
      msgs.push({ lane: i % devices.length, topic, payload: JSON.stringify(sign(envelope(d))) });
    }
    const n = msgs.length;
    const before = ctx.intake.stats().accepted;
    let t0 = performance.now();
    await loadFromChild("mqtt", url, CONNECTIONS, msgs, () => (t0 = performance.now()));
    while (ctx.intake.stats().accepted - before < n && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5));
    const s = (performance.now() - t0) / 1000;
    const stored = ctx.intake.stats().accepted - before;
    return { rate: stored / s, stored, seconds: s, n, topics: perTopic.size };
  } finally {
    await ext.close();
    await discardExternalSessions(url, `bench-intake-${process.pid}`);
  }
}

/**
 * Devices sign readings at LATENCY_RATE per second and publish them over MQTT; a poller calls
 * the map API's use case (getLayerLatest, the live traffic layer as a traffic official sees
 * it: access check, rollup refresh, map_latest, access record) every 100 ms. Latency is from
 * the moment a reading was signed to the first poll that returned it.
 */
async function latency(ctx: Awaited<ReturnType<typeof setUp>>) {
  const traffic = devices.filter((d) => d.datasetId === "traffic.flow");
  const viewer: Viewer = { kind: "user", userId: "bench-official", departmentId: "traffic", role: "official" };
  (globalThis as Record<symbol, unknown>)[Symbol.for("city-brain.city")] = city;
  const t0 = performance.now();
  await getLayerLatest({ viewer, layer: "traffic" }); // the rollup folds in the throughput runs' readings first
  const warm = (performance.now() - t0) / 1000;
  const clients = await connectAll(ctx.mqttUrl);
  const signedAt = new Map<string, number>();
  const lat: number[] = [];
  const polls: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const p0 = performance.now();
      const res = await getLayerLatest({ viewer, layer: "traffic" });
      if (res.layer !== "traffic") throw new Error("not the traffic layer");
      const now = performance.now();
      polls.push(now - p0);
      const s = res.sensors;
      for (let i = 0; i < s.ids.length; i++) {
        const key = `${s.ids[i]}@${s.observedAt[i]}`;
        const t = signedAt.get(key);
        if (t !== undefined) {
          lat.push(now - t);
          signedAt.delete(key);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const total = LATENCY_RATE * LATENCY_SECONDS;
  const start = performance.now();
  const pubs: Promise<unknown>[] = [];
  let last = 0;
  for (let i = 0; i < total; i++) {
    const due = start + (i / LATENCY_RATE) * 1000;
    const wait = due - performance.now();
    if (wait > 2) await new Promise((r) => setTimeout(r, wait));
    const d = traffic[i % traffic.length];
    let at = Date.now();
    if (at <= last) at = last + 1; // one observation per millisecond, so each is visible by its time
    last = at;
    const observedAt = new Date(at).toISOString();
    const t = performance.now();
    const r = sign(envelope(d, observedAt));
    signedAt.set(`${d.id}@${observedAt}`, t);
    pubs.push(clients[i % CONNECTIONS].publishAsync(readingsTopic("traffic", "traffic.flow"), JSON.stringify(r), { qos: 1 }));
  }
  await Promise.all(pubs);
  await new Promise((r) => setTimeout(r, 1500));
  polling = false;
  await poller;
  await Promise.all(clients.map((c) => c.endAsync()));
  // Readings superseded by a newer one of the same device before a poll never show as latest; they are not counted.
  return { n: lat.length, sent: total, p50: percentile(lat, 50), p99: percentile(lat, 99), max: Math.max(...lat), pollP50: percentile(polls, 50), warm };
}

/**
 * How fast this machine is right now, on one thread: the same code runs up to twice as slowly
 * in some hours as in others here (the host's load, not this process), so each run prints
 * the rates of its two basic operations beside its figures.
 */
function machineSpeed(): string {
  const check = ed25519Check();
  const s = signerFromSeed(new Uint8Array(32).fill(1));
  const msg = new TextEncoder().encode('{"dataset":"traffic.flow","device":"trf-000001","location":[121.4,37.4],"observedAt":"2026-12-01T00:00:00.000Z","seq":1,"values":{"speedKmh":40}}');
  const sig = s.sign(msg);
  const time = (n: number, f: () => void) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    return n / ((performance.now() - t0) / 1000);
  };
  const block = new Uint8Array(64);
  time(2000, () => crypto.hash("sha256", block));
  const sha = time(200_000, () => crypto.hash("sha256", block));
  time(200, () => check("d", s.publicKey, msg, sig));
  const ed = time(3000, () => check("d", s.publicKey, msg, sig));
  return `machine now, one thread: SHA-256 of 64 B ${fmt(sha, 0)}/s, Ed25519 verification (libsodium) ${fmt(ed, 0)}/s`;
}

async function main() {
  const cpu = os.cpus();
  console.log(`bench:ingest on ${cpu.length} × ${cpu[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.availableParallelism()} check threads`);
  console.log(`city: ${devices.length} devices; ${CONNECTIONS} MQTT connections; readings signed before the clock starts`);
  console.log(machineSpeed());
  console.log(
    "timed: from the load process starting to send until every reading is acknowledged (MQTT PUBACK / HTTP response), which the console sends only after\n" +
      "  transport, JSON parse, envelope and dataset schema checks, device registry, Ed25519 verification on worker threads (the gateway's once per batch),\n" +
      "  seq/replay check and the commit of readings + ledger leaves (+ gateway batch, dead letters); the log integrates and checkpoints every second meanwhile",
  );
  const kinds = (process.env.BENCH_TARGETS ?? "pglite,postgresql").split(",") as ("pglite" | "postgresql")[];
  for (const kind of kinds) {
    seqOf.clear();
    const db = await benchDb(kind);
    if (!db) continue;
    console.log(`\n== ${kind} ==`);
    const ctx = await setUp(db);
    try {
      if (PARTS.has("mqtt") && SIGNED > 0) {
        const cpu = await cpuMeter(db, () => ctx.intake.stats().commits);
        const a = await signedOverMqtt(ctx, cpu.go);
        console.log(`individually signed readings over MQTT (embedded broker, QoS 1, PUBACK after commit), plaintext and anonymous, ${CONNECTIONS} connections (the former transport): ${fmt(a.rate, 0)} readings/s (${a.stored} in ${fmt(a.seconds, 2)} s; ${load()})`);
        console.log(`  ${await cpu.result(a.stored)}`);
      }
      if (PARTS.has("mqtt-tls") && SIGNED > 0) {
        for (const [label, url] of [
          ["plaintext (loopback listener)", ctx.plainAuthUrl],
          ["TLS", ctx.tlsUrl],
        ] as const) {
          const cpu = await cpuMeter(db, () => ctx.intake.stats().commits);
          const a = await signedOverMqttPerDevice(ctx, url, cpu.go);
          console.log(
            `individually signed readings over MQTT ${label}, one connection per device (${devices.length}) authenticated with its token: ${fmt(a.rate, 0)} readings/s (${a.stored} in ${fmt(a.seconds, 2)} s; ${load()})`,
          );
          console.log(`  ${await cpu.result(a.stored)}`);
          console.log(`  connecting the ${devices.length} devices (${label === "TLS" ? "TLS handshake, " : ""}token check against the registry) before the clock: ${fmt(a.connect.ms / 1000, 2)} s, console CPU ${fmt((a.connect.consoleCpuMs * 1000) / devices.length, 0)} µs per connection`);
        }
      }
      if (PARTS.has("ndjson") && SIGNED > 0) {
        const cpu = await cpuMeter(db, () => ctx.intake.stats().commits);
        const n = await signedOverNdjson(ctx, cpu.go);
        console.log(`individually signed readings over HTTP NDJSON (1,000 per request, 4 senders): ${fmt(n.rate, 0)} readings/s (${n.stored} in ${fmt(n.seconds, 2)} s; ${load()})`);
        console.log(`  ${await cpu.result(n.stored)}`);
      }
      if (PARTS.has("gateway") && BATCHES > 0) {
        const cpu = await cpuMeter(db, () => ctx.intake.stats().commits);
        const b = await gatewayBatchesOverHttp(ctx, cpu.go);
        console.log(`gateway batches of ${BATCH} over HTTP (9 gateways): ${fmt(b.rate, 0)} readings/s (${b.stored} in ${fmt(b.seconds, 2)} s; ${load()})`);
        console.log(`  ${await cpu.result(b.stored)}`);
      }
      // The log integrates what the throughput runs appended; let it catch up before timing latency.
      const t0 = performance.now();
      const [{ behind }] = await db.sql.query<{ behind: number }>(`SELECT (next_index - integrated_size)::int8 AS behind FROM ledger_state`);
      for (;;) {
        const [{ left }] = await db.sql.query<{ left: number }>(`SELECT (next_index - integrated_size)::int8 AS left FROM ledger_state`);
        if (Number(left) === 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      console.log(`the log integrated the ${Number(behind)} entries it was behind in ${fmt((performance.now() - t0) / 1000, 1)} s (checkpoint every second; ${load()})`);
      if (PARTS.has("latency") && LATENCY_SECONDS > 0) {
        const c = await latency(ctx);
        console.log(`(the map's rollup folded the earlier readings in ${fmt(c.warm, 1)} s before the latency run)`);
        console.log(
          `signing → visible through the map API (live traffic layer) at ${LATENCY_RATE}/s for ${LATENCY_SECONDS} s: p50 ${fmt(c.p50, 0)} ms, p99 ${fmt(c.p99, 0)} ms, max ${fmt(c.max, 0)} ms (${c.n} of ${c.sent} seen as latest; one API call p50 ${fmt(c.pollP50, 0)} ms; ${load()})`,
        );
      }
      if (PARTS.has("mosquitto") && SIGNED > 0) {
        const mosquitto = process.env.TEST_MQTT_URL || "mqtt://127.0.0.1:1883";
        const m = await signedViaExternalBroker(ctx, mosquitto).catch((e: Error) => (console.log(`  (${e.message})`), null));
        if (m) console.log(`individually signed readings through Mosquitto (MQTT_URL mode, ${m.topics} topics of at most 900 each): ${fmt(m.rate, 0)} readings/s (${m.stored} of ${m.n} in ${fmt(m.seconds, 2)} s; ${load()})`);
        else console.log(`(Mosquitto at ${mosquitto} not reachable: MQTT_URL mode not measured)`);
      }
      if (PARTS.has("floor")) {
        // On PostgreSQL one writer and two, BENCH_FLOOR_ROUNDS times (default 1), alternating which goes first.
        const rounds = db.sql.mode === "server" ? Number(process.env.BENCH_FLOOR_ROUNDS ?? 1) : 1;
        const order: (1 | 2)[] = db.sql.mode === "server" ? Array.from({ length: rounds }, (_, i) => (i % 2 ? [2, 1] : [1, 2]) as (1 | 2)[]).flat() : [1];
        for (const writers of order) {
          const cpu = await cpuMeter(db);
          const f = await storageFloor(db, cpu.go, writers);
          const how = writers === 1 ? "one writer" : `two writers in turns, ${f.missed} forecasts missed`;
          console.log(`storage floor: the database alone stores prepared readings with their leaves at ${fmt(f.rate, 0)} readings/s (${f.stored} in groups of 5,000 in ${fmt(f.seconds, 2)} s, ${how}; ${load()})`);
          console.log(`  ${await cpu.result(f.stored)}`);
        }
      }
      for (const line of await storageBytesPerReading(db.sql, db.dataDir)) console.log(line);
      const s = ctx.intake.stats();
      console.log(`intake: ${s.accepted} stored, ${s.duplicates} duplicates, refused ${JSON.stringify(s.refused)}, ${s.commits} commits (${ctx.writers} writer${ctx.writers === 1 ? "" : "s"}, ${s.forecastsMissed} forecasts missed)`);
    } finally {
      await ctx.stop();
      await db.drop();
    }
  }
}

// DROP DATABASE ... WITH (FORCE) in the clean-up can reach a pooled connection that is still
// closing; its "terminating connection" error is expected then and not a failure.
process.on("uncaughtException", (e) => {
  if ((e as { code?: string }).code === "57P01") return;
  console.error(e);
  process.exit(1);
});

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
