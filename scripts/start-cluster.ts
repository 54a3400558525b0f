// npm run start:cluster -- --processes N: N console processes (server.ts) on consecutive
// ports from PORT, against DATABASE_URL (PostgreSQL) and MQTT_URL (a shared broker), as one
// machine of a city's deployment would run them (README "Many processes"). Each process's
// lines are prefixed with [pN]. A process that dies is started again after a second (as
// systemd's Restart= would); SIGINT or SIGTERM stops them all. The simulator, when enabled,
// runs in the first process only (every process would otherwise send the same devices'
// readings). Exit codes: 0 after a clean stop, 1 when a process keeps failing to start,
// 2 when the arguments or environment are refused (PGlite, no MQTT_URL).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { clusterPlan, ClusterUsageError } from "./cluster-args";

const root = path.resolve(import.meta.dirname, "..");

function main() {
  let plan;
  try {
    plan = clusterPlan(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof ClusterUsageError) {
      console.error(`city-brain cluster: cannot start: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const built = spawnSync(process.execPath, [path.join(root, "scripts/ensure-build.mjs")], { stdio: "inherit", cwd: root });
  if (built.status !== 0) process.exit(built.status ?? 1);
  console.log(`city-brain cluster: ${plan.processes} processes on ports ${plan.ports.join(", ")} (DATABASE_URL, MQTT_URL shared)`);

  const children = new Map<number, ChildProcess>();
  const failures = new Map<number, number>();
  let stopping = false;
  const start = (i: number) => {
    const t0 = Date.now();
    const env = { ...process.env, PORT: String(plan.ports[i]), ...(i > 0 ? { SIM_ENABLED: "0" } : {}) };
    const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    children.set(i, child);
    for (const s of [child.stdout!, child.stderr!]) readline.createInterface({ input: s }).on("line", (l) => console.log(`[p${i}] ${l}`));
    child.on("exit", (code, signal) => {
      children.delete(i);
      if (stopping) {
        if (children.size === 0) process.exit(0);
        return;
      }
      // Failing again and again within seconds of starting: give up rather than loop.
      const quick = Date.now() - t0 < 15_000;
      const n = quick ? (failures.get(i) ?? 0) + 1 : 0;
      failures.set(i, n);
      if (n >= 3) {
        console.error(`city-brain cluster: process ${i} failed ${n} times in a row just after starting; stopping the cluster`);
        stop(1);
        return;
      }
      console.error(`city-brain cluster: process ${i} exited (${signal ?? code}); starting it again in 1 s`);
      setTimeout(() => !stopping && start(i), 1000);
    });
  };
  let exitCode = 0;
  const stop = (code = 0) => {
    exitCode = code;
    if (stopping) return;
    stopping = true;
    if (children.size === 0) process.exit(exitCode);
    for (const c of children.values()) c.kill("SIGTERM");
    process.on("exit", () => {
      for (const c of children.values()) c.kill("SIGKILL");
    });
    setTimeout(() => process.exit(exitCode), 30_000).unref();
  };
  process.on("SIGINT", () => stop());
  process.on("SIGTERM", () => stop());
  // All at once: the startup lock (lib/cluster/leader.ts) has them migrate and seed in turn.
  for (let i = 0; i < plan.processes; i++) start(i);
}

main();
