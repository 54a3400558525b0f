// The ledger audit's row checks on a worker thread (lib/log/audit-pool.ts starts one per
// core). Plain JavaScript on node:crypto only, so it loads the same under tsx, vitest,
// Next.js and node. Request: a verifyRange job; reply: { id, result } or { id, error }.
import { parentPort } from "node:worker_threads";
import { verifyRange } from "./audit-rows.mjs";

parentPort.on("message", ({ id, job }) => {
  try {
    const result = verifyRange(job);
    const buffers = [result.hashes.buffer, result.nodes8.buffer, ...result.cuts.map((c) => c.hashes.buffer)];
    const transfer = [...new Set(buffers)].filter((b) => b.byteLength > 0);
    parentPort.postMessage({ id, result }, transfer);
  } catch (e) {
    parentPort.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
