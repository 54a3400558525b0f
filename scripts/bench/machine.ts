import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";

/**
 * What benchmarks print beside their figures: this machine's speed drifts by the hour
 * (one thread's SHA-256 from 1.4 to 3.0 million/s), and CPU time read from the kernel
 * drifts far less than throughput.
 */

const CLK_TCK = 100;

/** CPU time (user + system, ms) a process has used, from /proc; 0 when it is gone. */
export function procCpuMs(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** CPU time (user + system, ms) of each thread of a process, by thread id, with the thread's name (/proc/<pid>/task/<tid>/comm). */
export function threadCpuMs(pid: number): Map<number, { name: string; ms: number }> {
  const out = new Map<number, { name: string; ms: number }>();
  let tids: string[] = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const name = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const f = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
      out.set(Number(tid), { name, ms: ((Number(rest[11]) + Number(rest[12])) * 1000) / CLK_TCK });
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** One thread's SHA-256 rate over 64-byte inputs now: the machine's reference rate. */
export function sha256Rate(): number {
  const block = new Uint8Array(64);
  const time = (n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) crypto.hash("sha256", block);
    return n / ((performance.now() - t0) / 1000);
  };
  time(2000);
  return time(200_000);
}

/** The one-minute load average, printed beside figures. */
export const load = () => `load ${os.loadavg()[0].toFixed(2)}`;
