import path from "node:path";
import type { Worker } from "node:worker_threads";

/** The boot file that starts a TypeScript worker module (worker-boot.mjs), found from the project root. */
export const workerBootPath = () => path.resolve(process.cwd(), "lib/ingest/worker-boot.mjs");

/**
 * A worker thread running the TypeScript module `entry` through `boot` (worker-boot.mjs), with
 * `data` beside the entry in its workerData. Taken at run time: a bundler (Next.js's Turbopack)
 * that sees `new Worker(path)` tries to bundle every file the path could name as a worker
 * entry, and fails.
 */
export function startWorker(boot: string, entry: string, data: Record<string, unknown> = {}): Worker {
  const { Worker: WorkerThread } = process.getBuiltinModule("node:worker_threads");
  return new WorkerThread(boot, { workerData: { ...data, entry } });
}
