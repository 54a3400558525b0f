import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { deviceKeyring, type PackedDeviceKeys } from "./device-keyring";
import { startWorker, workerBootPath } from "../ingest/start-worker";
import { verifyRange, type RangeJob, type RangeResult } from "./verify-range";

/** Runs the audit's range checks (verify-range.ts) on worker threads, or on this thread. */
export interface AuditPool {
  run(job: RangeJob): Promise<RangeResult>;
  /** Worker threads in use; 0 means the checks run on the calling thread. */
  readonly threads: number;
  close(): Promise<void>;
}

const projectFile = (rel: string) => path.resolve(process.cwd(), rel);
/** The worker thread's boot file: plain JavaScript that registers tsx, then loads the worker module. */

/** The worker module (TypeScript, loaded through worker-boot.mjs), found from the project root. */
export function defaultAuditWorkerPath(): string {
  return projectFile("lib/ledger-store/audit-worker.ts");
}

/** `keys`: the device key history the readings' signatures are verified with (none: every reading is handed back). */
export function inlineAuditPool(keys: PackedDeviceKeys | null = null): AuditPool {
  const ring = deviceKeyring(keys);
  return {
    threads: 0,
    run: async (job) => verifyRange(job, ring),
    async close() {},
  };
}

type Pending = { resolve(r: RangeResult): void; reject(e: Error): void };


/**
 * `threads` workers (default: one per core), each given the next job when it is the least
 * busy, and each given the device key history (`keys`, packDeviceKeys) once, when it starts.
 * Falls back to this thread when the worker file is missing; a worker that dies fails its
 * jobs (the audit then fails and says why).
 */
export function createAuditPool(opts: { threads?: number; workerPath?: string; keys?: PackedDeviceKeys | null } = {}): AuditPool {
  const threads = Math.max(0, opts.threads ?? os.availableParallelism());
  const file = opts.workerPath ?? defaultAuditWorkerPath();
  const keys = opts.keys ?? null;
  const boot = workerBootPath();
  if (threads === 0 || !fs.existsSync(/*turbopackIgnore: true*/ file) || !fs.existsSync(/*turbopackIgnore: true*/ boot)) return inlineAuditPool(keys);
  let nextId = 1;
  const slots = Array.from({ length: threads }, () => {
    const worker = startWorker(boot, file, { keys });
    const pending = new Map<number, Pending>();
    const fail = (e: Error) => {
      for (const p of pending.values()) p.reject(e);
      pending.clear();
    };
    worker.on("message", (m: { id: number; result?: RangeResult; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(`audit worker: ${m.error}`));
      else p.resolve(m.result!);
    });
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`audit worker exited with code ${code}`)));
    return { worker, pending };
  });
  return {
    threads,
    run(job) {
      const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
      const id = nextId++;
      return new Promise<RangeResult>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        // The COPY outputs move to the worker (no copy) when each has a buffer of its own
        // (copyOutBinary's are; never Node's shared pool for small Buffers).
        const own = (b: Uint8Array) => b.buffer instanceof ArrayBuffer && b.buffer.byteLength > Buffer.poolSize;
        const transfer = [job.ledger, job.reading].filter(own).map((b) => b.buffer as ArrayBuffer);
        slot.worker.postMessage({ id, job }, new Set(transfer).size === transfer.length ? transfer : []);
      });
    },
    async close() {
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
