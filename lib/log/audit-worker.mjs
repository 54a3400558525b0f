// The ledger audit's row checks on a worker thread (lib/log/audit-pool.ts starts one per
// core). Plain JavaScript on node:crypto only, so it loads the same under tsx, vitest,
// Next.js and node. Started with workerData { keys }: the device key history
// (packDeviceKeys) the readings' signatures are verified with. Request: a verifyRange job;
// reply: { id, result } or { id, error }.
import { parentPort, workerData } from "node:worker_threads";
import { deviceKeyring, verifyRange } from "./audit-rows.mjs";

const ring = deviceKeyring(workerData?.keys ?? null);

parentPort.on("message", ({ id, job }) => {
  try {
    const result = verifyRange(job, ring);
    const buffers = [result.hashes.buffer, result.nodes8.buffer, ...result.cuts.map((c) => c.hashes.buffer)];
    const transfer = [...new Set(buffers)].filter((b) => b.byteLength > 0);
    parentPort.postMessage({ id, result }, transfer);
  } catch (e) {
    parentPort.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
