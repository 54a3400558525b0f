// The ledger audit's row checks (verify-range.ts) on a worker thread: audit-pool.ts starts one
// per core through lib/ingest/worker-boot.mjs, which loads this TypeScript. Started with
// workerData { keys }: the device key history (packDeviceKeys) the readings' signatures are
// verified with. Request: { id, job } (a RangeJob); reply: { id, result } or { id, error }.
import { parentPort, workerData } from "node:worker_threads";
import { deviceKeyring, type PackedDeviceKeys } from "./device-keyring";
import { verifyRange, type RangeJob } from "./verify-range";

const ring = deviceKeyring((workerData as { keys?: PackedDeviceKeys | null } | null)?.keys ?? null);
const port = parentPort!;

port.on("message", ({ id, job }: { id: number; job: RangeJob }) => {
  try {
    const result = verifyRange(job, ring);
    const buffers = [result.hashes.buffer, result.nodes8.buffer, ...result.cuts.map((c) => c.hashes.buffer)];
    const transfer = [...new Set(buffers)].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0);
    port.postMessage({ id, result }, transfer);
  } catch (e) {
    port.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
