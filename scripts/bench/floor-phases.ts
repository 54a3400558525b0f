// npx tsx scripts/bench/floor-phases.ts – where one writer's time goes in bench:ingest's storage
// floor on PostgreSQL: per group of 5,000 prepared gateway readings, the wall time of each step
// of the transaction (BEGIN, taking leaf indexes from the locked ledger_state, building each COPY's
// data on this thread, each COPY from its first byte sent to the server's answer, COMMIT), with
// the PostgreSQL backend's CPU in each step (/proc, 10 ms ticks summed over the groups) and this
// thread's CPU. BENCH_FLOOR readings (default 200,000); BENCH_SYNC_OFF=1 runs the same with
// synchronous_commit off, to see what the COMMIT's WAL flush costs. Prints figures, asserts nothing.
import crypto from "node:crypto";
import pg from "pg";
import { generateCity } from "../../lib/city";
import { seedCity } from "../../lib/server/seed";
import { setDb } from "../../lib/db/client";
import { copyStatement, type SqlTx } from "../../lib/db/sql";
import { from as copyFrom } from "pg-copy-streams";
import { insertReadings, prepareReadingRows, type AcceptedReading } from "../../lib/ingest/store-readings";
import { appendEntries } from "../../lib/ledger-store/append-entries";
import { benchDb } from "./bench-db";
import { valuesFor } from "./bench-values";
import { load, procCpuMs, sha256Rate } from "./machine";
import { fmt } from "./stats";

const N = Number(process.env.BENCH_FLOOR ?? 200_000);
const GROUP = 5000;

async function main() {
  console.log(`floor phases: ${N} readings in groups of ${GROUP}; one thread's SHA-256 ${fmt(sha256Rate(), 0)}/s; ${load()}`);
  const db = await benchDb("postgresql");
  if (!db?.url) return;
  try {
    const city = generateCity({ seed: "bench", size: 1 });
    setDb(db);
    await seedCity(db, city);
    const gw = { device: "gw", batchRoot: crypto.randomBytes(32), signature: crypto.randomBytes(64) };
    const seqOf = new Map<string, number>();
    const groups: AcceptedReading[][] = [];
    for (let s = 0; s < N; s += GROUP) {
      const g: AcceptedReading[] = [];
      for (let i = s; i < Math.min(N, s + GROUP); i++) {
        const d = city.devices[i % city.devices.length];
        const seq = (seqOf.get(d.id) ?? 0) + 1;
        seqOf.set(d.id, seq);
        const r: AcceptedReading = {
          device: d.id, dataset: d.datasetId, seq: 1e9 + seq, observedAt: new Date(Date.now() - 3_600_000 + seq * 1000).toISOString(), location: d.location,
          values: valuesFor(d, seq), payloadHash: crypto.randomBytes(32), signature: crypto.randomBytes(64), gateway: gw,
        };
        r.prepared = prepareReadingRows(r);
        g.push(r);
      }
      groups.push(g);
    }
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    if (process.env.BENCH_SYNC_OFF) await client.query(`SET synchronous_commit = off`);
    const [{ pid }] = (await client.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows;
    const wall = new Map<string, number>();
    const server = new Map<string, number>();
    const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
    let mark = performance.now();
    let serverMark = procCpuMs(pid);
    // Time since the last step ended is this thread's work for the next one (building its data).
    const step = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
      const t = performance.now();
      add(wall, `${label}: build on this thread`, t - mark);
      const out = await run();
      mark = performance.now();
      add(wall, `${label}: round trip`, mark - t);
      const s = procCpuMs(pid);
      add(server, `${label}: round trip`, s - serverMark);
      serverMark = s;
      return out;
    };
    const tx: SqlTx = {
      query: (text, params) => step(text.startsWith("UPDATE ledger_state") ? "reserve leaves (ledger_state lock)" : "query", async () => (await client.query(text, params)).rows),
      exec: (text) => step("exec", async () => void (await client.query(text))),
      copyIn: (table, columns, data) =>
        step(`COPY ${table} (${(data.length / 1024 / 1024).toFixed(1)} MiB a group)`.replace(/\(\d+\.\d MiB/, "(MiB"), () => {
          const stream = client.query(copyFrom(copyStatement(table, columns, "STDIN")));
          return new Promise<void>((resolve, reject) => {
            stream.on("error", reject);
            stream.on("finish", resolve);
            stream.end(data);
          });
        }),
    };
    let bytes = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const g of groups) {
      await step("BEGIN", () => client.query("BEGIN"));
      const first = await appendEntries(tx, g.map((r) => r.prepared!.entry));
      const realCopy = tx.copyIn;
      tx.copyIn = (table, columns, data) => ((bytes += data.length), realCopy(table, columns, data));
      await insertReadings(tx, g, first);
      tx.copyIn = realCopy;
      await step("COMMIT", () => client.query("COMMIT"));
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await client.end();
    console.log(`${fmt(N / seconds, 0)} readings/s (${fmt(seconds, 2)} s; synchronous_commit ${process.env.BENCH_SYNC_OFF ? "off" : "on"}; ${load()}); reading COPY data ${fmt(bytes / N, 0)} B a reading`);
    console.log(`this thread's CPU ${fmt(((cpu.user + cpu.system) / N), 1)} µs a reading; the backend's ${fmt((procCpuMs(pid) * 1000) / N, 1)} µs (its whole life)`);
    console.log(`step: wall µs a reading (backend CPU µs a reading)`);
    let total = 0;
    for (const v of wall.values()) total += v;
    for (const [k, v] of wall) console.log(`  ${k}: ${fmt((v * 1000) / N, 1)}${server.has(k) ? ` (${fmt((server.get(k)! * 1000) / N, 1)})` : ""}  ${fmt((100 * v) / total, 0)} %`);
  } finally {
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
