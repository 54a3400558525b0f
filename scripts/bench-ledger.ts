// npm run bench:ledger – the ledger's figures on this machine, printed:
//  1. sustained append rate of readings (row + ledger leaf) with a checkpoint every second and five in-process witnesses,
//     and the time from submit to a quorum-cosigned checkpoint (p50/p99);
//  2. inclusion and consistency proof latency at 1M leaves, and proof size;
//  3. audit rate (leaves re-verified per second) at 1M leaves.
// Options: --seconds N (default 20), --leaves N (default 1000000), --only pglite|postgresql.
// The audit's worker threads: AUDIT_THREADS (default one per core).
import crypto from "node:crypto";
import os from "node:os";
import { storeReadings, type AcceptedReading } from "../lib/ingest/store-readings";
import { canonicalJsonBytes } from "../lib/ledger/canonical-json";
import { createLogPublisher } from "../lib/log/log-service";
import { inProcessWitness } from "../lib/log/witnesses";
import { consistencyProofBetween, inclusionProofAt } from "../lib/log/proofs";
import { auditLedger } from "../lib/log/audit";
import { webCryptoEd25519 } from "../lib/ledger/ed25519";
import { generateNoteKey, SIG_TYPE_ED25519 } from "../lib/ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../lib/ledger/cosignature";
import type { Db } from "../lib/db/client";
import { benchDb } from "./bench/bench-db";
import { fmt, percentile } from "./bench/stats";

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
};
const SECONDS = Number(arg("seconds", "20"));
const LEAVES = Number(arg("leaves", "1000000"));
const ONLY = arg("only", "");
const ORIGIN = "bench.city-brain.example/ledger";
const DEPTS = ["traffic", "energy", "safety", "emergency", "citizen"];

// Readings as the ingest path stores them: a reading row and its reading.v1 leaf each.
const SIG = new Uint8Array(crypto.randomBytes(64));
function readings(n: number, start: number): AcceptedReading[] {
  const out: AcceptedReading[] = [];
  for (let i = 0; i < n; i++) {
    const seq = start + i;
    const values = { segmentId: `seg-${seq % 5000}`, speedKmh: 20 + (seq % 40), flowVehH: 300 + (seq % 900), occupancy: (seq % 100) / 100 };
    const envelope = { device: `trf-${String(seq % 5000).padStart(6, "0")}`, dataset: "traffic.flow", seq, observedAt: new Date(1_790_000_000_000 + seq).toISOString(), location: [121.4 + (seq % 100) / 1000, 37.4] as [number, number], values };
    out.push({ ...envelope, payloadHash: crypto.createHash("sha256").update(canonicalJsonBytes(envelope)).digest(), signature: SIG });
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
  // Writers: sequence batches as fast as the database takes them.
  const writer = (async () => {
    while (!stop) {
      const batch = readings(BATCH, next);
      next += BATCH;
      const leaves = await storeReadings(db.sql, batch);
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

async function atScale(db: Db, log: Awaited<ReturnType<typeof setupLog>>) {
  const [{ n }] = await db.sql.query<{ n: number }>(`SELECT next_index AS n FROM ledger_state`);
  let have = Number(n);
  const tFill = performance.now();
  while (have < LEAVES) {
    const k = Math.min(20_000, LEAVES - have);
    await storeReadings(db.sql, readings(k, have));
    have += k;
  }
  let size = 0;
  do size = await log.publisher.round();
  while (size < LEAVES);
  const fillSeconds = (performance.now() - tFill) / 1000;
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
  const audit = await auditLedger(db.sql, {
    logVerifierKey: log.logKey.verifierKey,
    witnessVerifierKeys: log.witnessKeys.map((k) => k.verifierKey),
    quorum: log.quorum,
    threads: process.env.AUDIT_THREADS ? Number(process.env.AUDIT_THREADS) : undefined,
  });
  return { size, fillSeconds, inc, bytes, con, conBytes, audit };
}

async function main() {
  console.log(`bench:ledger on ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}`);
  for (const kind of ["pglite", "postgresql"] as const) {
    if (ONLY && ONLY !== kind) continue;
    const db = await benchDb(kind);
    if (!db) continue;
    try {
      console.log(`\n== ${kind} ==`);
      const s = await sustained(db);
      console.log(`sustained append, checkpoint every 1 s, 5 witnesses (quorum 3), ${SECONDS} s:`);
      console.log(`  integrated and quorum-cosigned: ${fmt(s.rate, 0)} entries/s (${s.integrated} entries)`);
      console.log(`  submit -> quorum-cosigned checkpoint: p50 ${fmt(s.p50, 0)} ms, p99 ${fmt(s.p99, 0)} ms`);
      const a = await atScale(db, s.log);
      console.log(`at ${a.size.toLocaleString()} leaves (filled in ${fmt(a.fillSeconds)} s):`);
      console.log(`  inclusion proof: p50 ${fmt(percentile(a.inc, 50), 2)} ms, p99 ${fmt(percentile(a.inc, 99), 2)} ms, ${a.bytes} bytes (${a.bytes / 32} hashes)`);
      console.log(`  consistency proof: p50 ${fmt(percentile(a.con, 50), 2)} ms, p99 ${fmt(percentile(a.con, 99), 2)} ms, up to ${a.conBytes} bytes`);
      console.log(`  audit: ${a.audit.ok ? "OK" : `FAILED (${a.audit.discrepancyCount})`} ${a.audit.leaves.toLocaleString()} leaves in ${fmt(a.audit.seconds, 2)} s = ${fmt(a.audit.leaves / a.audit.seconds, 0)} leaves/s (${a.audit.threads} worker threads)`);
    } finally {
      await db.drop();
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
