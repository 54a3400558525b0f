// npx tsx scripts/bench/console-load.ts DIR [WINDOWS] – a console (server.ts, simulator on) on DIR, a
// filled size-10 data folder such as bench:map's BENCH_DATA_DIR (use a copy: the console writes to
// it): every 15 s for WINDOWS windows (26), its CPU (from /proc), the leaves the log sequenced
// and the file descriptors it holds, to see what the simulated city costs it from the start on.
import { spawn } from "node:child_process";
import fs from "node:fs";
import { procCpuMs, load, sha256Rate } from "./machine";

const PORT = 3393;
const [dir, n] = process.argv.slice(2);
if (!dir || !fs.existsSync(dir)) {
  console.error("usage: npx tsx scripts/bench/console-load.ts DIR [WINDOWS]");
  process.exit(2);
}
const windows = Number(n ?? 26);
console.log(`console load on ${dir}; one thread's SHA-256 of 64 B ${(sha256Rate() / 1e6).toFixed(2)} M/s; ${load()}`);
const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
  env: { ...process.env, PORT: String(PORT), HOST: "127.0.0.1", DATA_DIR: dir, MQTT_PORT: String(PORT + 15000), DATABASE_URL: "", CITY_SIZE: "10", CITY_SEED: "yantai", SIM_BACKFILL_HOURS: "0", NEXT_TELEMETRY_DISABLED: "1" },
  stdio: ["ignore", "pipe", "pipe"],
});
let out = "";
child.stdout!.on("data", (d) => (out += d));
child.stderr!.on("data", (d) => (out += d));
const t0 = Date.now();
const sequenced = async () => {
  try {
    return ((await (await fetch(`http://127.0.0.1:${PORT}/api/ledger/info`)).json()) as { sequenced: number }).sequenced;
  } catch {
    return null;
  }
};
const descriptors = () => {
  try {
    return fs.readdirSync(`/proc/${child.pid}/fd`).length;
  } catch {
    return -1;
  }
};
let cpu = procCpuMs(child.pid!);
let leaves = await sequenced();
let t = Date.now();
for (let i = 0; i < windows; i++) {
  await new Promise((r) => setTimeout(r, 15_000));
  const c = procCpuMs(child.pid!);
  const l = await sequenced();
  const now = Date.now();
  console.log(`+${Math.round((now - t0) / 1000)} s: ${Math.round(((c - cpu) / (now - t)) * 100)} % of a core, ${l !== null && leaves !== null ? l - leaves : "?"} leaves, ${descriptors()} descriptors (${load()})`);
  cpu = c;
  leaves = l;
  t = now;
}
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
const notable = out.split("\n").filter((l) => /EMFILE|Abort|upkeep|gateway|failed/i.test(l));
console.log(`console lines of note (${notable.length}):\n${notable.slice(0, 20).join("\n")}`);
