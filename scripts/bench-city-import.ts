// npm run bench:city-import – time and memory of `npm run city:import` on a ~10 MB PBF of about
// 200,000 nodes (generated here by scripts/dev/osm-fixture.ts: a street grid with some 46,000
// surveyed buildings, editing history and tags; kept in the OS temp folder between runs).
// Runs under flock /tmp/bench.lock (see package.json); prints the machine's load and reference
// rate beside each figure, and CPU time per million nodes (steadier than wall time here).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { procCpuMs, sha256Rate, load } from "./bench/machine";
import { fixtureToPbf, makeOsmFixture } from "./dev/osm-fixture";


const dir = path.join(os.tmpdir(), "city-brain-bench-city-import");
fs.mkdirSync(dir, { recursive: true });
const pbf = path.join(dir, "bench-200k.osm.pbf");
if (!fs.existsSync(pbf)) {
  const t0 = performance.now();
  fs.writeFileSync(pbf, fixtureToPbf(makeOsmFixture({ cols: 120, rows: 100, buildingsPerBlock: 4, detail: true }), true));
  console.log(`generated ${pbf} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const mb = fs.statSync(pbf).size / 1e6;
const ref = () => `${load()}, reference rate ${(sha256Rate() / 1e6).toFixed(2)} M SHA-256/s`;
console.log(`bench:city-import on ${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}; ${ref()}`);
console.log(`input: ${pbf} (${mb.toFixed(2)} MB)`);

const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
const runs = Number(process.env.RUNS ?? 3);
for (let i = 1; i <= runs; i++) {
  const out = path.join(dir, `model-${i}.json`);
  const t0 = performance.now();
  const child = spawn(tsx, ["scripts/city-import.ts", pbf, "--out", out], { stdio: ["ignore", "pipe", "inherit"] });
  let text = "";
  let cpuMs = 0;
  child.stdout.on("data", (b: Buffer) => { text += b.toString(); });
  // CPU of the importer and its children (tsx runs node), read from /proc while it runs.
  const tree = (pid: number): number[] => {
    try {
      const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
      return [pid, ...kids.flatMap(tree)];
    } catch {
      return [pid];
    }
  };
  const timer = setInterval(() => { cpuMs = Math.max(cpuMs, tree(child.pid!).reduce((a, p) => a + procCpuMs(p), 0)); }, 50);
  const code: number = await new Promise((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  clearInterval(timer);
  const wallS = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`city:import exited with ${code}:\n${text}`);
  const nodes = Number(/: (\d+) nodes,/.exec(text)?.[1]);
  const line = text.trim().split("\n").at(-1)!;
  const inner = /in ([\d.]+) s \(CPU ([\d.]+) s\), peak RSS (\d+) MiB/.exec(line)!;
  const importS = Number(inner[1]), importCpuS = Number(inner[2]);
  if (i === 1) console.log(text.trim().split("\n").map((l) => `  | ${l}`).join("\n"));
  console.log(
    `run ${i}: ${nodes} nodes; import ${importS.toFixed(2)} s wall, ${importCpuS.toFixed(2)} s CPU (${((importS * 1e6) / nodes).toFixed(1)} s wall and ` +
    `${((importCpuS * 1e6) / nodes).toFixed(1)} s CPU per million nodes); whole process incl. tsx start ${wallS.toFixed(2)} s wall, ` +
    `${(cpuMs / 1000).toFixed(2)} s CPU from /proc; peak RSS ${inner[3]} MiB; ${ref()}`,
  );
  if (i > 1 && !fs.readFileSync(out).equals(fs.readFileSync(path.join(dir, "model-1.json")))) throw new Error(`run ${i} wrote a different model`);
}
console.log(`the ${runs} runs wrote the same model, byte for byte`);
