// npx tsx scripts/bench-replay-cpu.ts <data folder> – the server's side of replay, in process
// (no HTTP, no browser, no live ingest), as wall time and this process's CPU time per request:
// the first 24 h traffic replay and a first seek's 2 h chunk of each layer, as a restarted
// console serves them from stored chunks (map_frame_chunk), as one serves them without stored
// chunks (aggregated from the rollup), and from memory. Uses a folder bench:map filled
// (BENCH_DATA_DIR); BENCH_CITY_SIZE as there (default 10). Run under flock /tmp/bench.lock.
import { openDb, setDb } from "../lib/db/client";
import { generateCity } from "../lib/city";
import type { Viewer } from "../lib/access/viewer";
import type { MapLayerId } from "../lib/api/map-specs";
import { getLayerFrames, warmReplayChunks } from "../lib/map/get-layer-frames";
import { fmt } from "./bench/stats";
import { sha256Rate, load } from "./bench/machine";

const SIZE = Number(process.env.BENCH_CITY_SIZE ?? 10);
const dir = process.argv[2];
if (!dir) throw new Error("usage: tsx scripts/bench-replay-cpu.ts <data folder>");
process.env.CITY_SIZE = String(SIZE);
process.env.CITY_SEED = "yantai";
const city = generateCity({ seed: "yantai", size: SIZE });
(globalThis as { [k: symbol]: unknown })[Symbol.for("city-brain.city")] = city;
const clearMemory = () => (globalThis as { [k: symbol]: Map<string, unknown> | undefined })[Symbol.for("city-brain.map-frames-cache")]?.clear();

async function main() {
  const db = await openDb({ dataDir: dir, DATABASE_URL: undefined });
  setDb(db);
  console.log(`replay, server side in process: city size ${SIZE}; ${load()}, reference rate ${fmt(sha256Rate() / 1e6, 2)} M SHA-256/s`);
  const owner = (d: string): Viewer => ({ kind: "user", userId: `bench-${d}`, departmentId: d, role: "official" });
  const [{ t }] = await db.sql.query<{ t: Date }>(`SELECT max(bucket) AS t FROM map_bucket_total`);
  const end = new Date(t).getTime() + 300_000;
  const day = { from: new Date(end - 24 * 3_600_000).toISOString(), to: new Date(end).toISOString(), bucket: 300 };
  const chunkMs = 2 * 3_600_000;
  const seekChunk = Math.floor((end - 6 * 3_600_000) / chunkMs) * chunkMs;
  const seek = { from: new Date(seekChunk).toISOString(), to: new Date(seekChunk + chunkMs).toISOString(), bucket: 300 };
  const timed = async (label: string, layer: MapLayerId, w: typeof day) => {
    const c0 = process.cpuUsage(), t0 = performance.now();
    const f = await getLayerFrames({ viewer: owner(layer === "traffic" ? "traffic" : layer), layer, ...w });
    const ms = performance.now() - t0, cpu = process.cpuUsage(c0);
    const bytes = JSON.stringify(f).length;
    console.log(`  ${label.padEnd(64)} ${fmt(ms, 0).padStart(6)} ms wall, ${fmt((cpu.user + cpu.system) / 1000, 0).padStart(6)} ms CPU (${fmt(bytes / 1e6, 2)} MB JSON; ${load()})`);
  };
  // Stored chunks as a console running on this data stores them (its background job).
  let n = 0;
  for (let k; (k = await warmReplayChunks(db.sql, city, end)) > 0; ) n += k;
  const [{ rows }] = await db.sql.query<{ rows: number }>(`SELECT count(*)::int AS rows FROM map_frame_chunk`);
  console.log(`  ${n} chunks computed now; ${rows} stored`);
  // The process's first requests build the map model and warm the code: not counted.
  const early = Math.floor((end - 22 * 3_600_000) / chunkMs) * chunkMs;
  for (const layer of ["traffic", "energy", "safety"] as const) {
    await timed(`${layer}: warm-up request (another chunk; builds the map model)`, layer, { from: new Date(early).toISOString(), to: new Date(early + chunkMs).toISOString(), bucket: 300 });
  }
  for (const layer of ["traffic", "energy", "safety"] as const) {
    clearMemory();
    await timed(`${layer}: first seek's 2 h chunk, restarted console (stored chunk)`, layer, seek);
    await timed(`${layer}: the same again (memory)`, layer, seek);
  }
  clearMemory();
  await timed("traffic 24 h, restarted console (stored chunks)", "traffic", day);
  await timed("traffic 24 h again (memory)", "traffic", day);
  // Without stored chunks: what a restarted console computed before they were stored.
  const saved = await db.sql.query<Record<string, unknown>>(`SELECT * FROM map_frame_chunk`);
  await db.sql.query(`DELETE FROM map_frame_chunk`);
  try {
    clearMemory();
    await timed("traffic: first seek's 2 h chunk, no stored chunks (from the rollup)", "traffic", seek);
    clearMemory();
    await db.sql.query(`DELETE FROM map_frame_chunk`);
    await timed("traffic 24 h, no stored chunks (from the rollup)", "traffic", day);
  } finally {
    // The request above stored the chunks it computed again; nothing else changed.
    console.log(`  stored chunks before: ${saved.length}; after recomputing: ${(await db.sql.query(`SELECT 1 FROM map_frame_chunk`)).length}`);
  }
  await db.close();
}

main().catch((e) => {
  console.error(`bench-replay-cpu: ${(e as Error).message}`);
  process.exit(1);
});
