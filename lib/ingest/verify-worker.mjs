// Ed25519 verification on a worker thread (lib/ingest/verifier.ts starts one per core).
// Plain JavaScript on node:crypto only, so it loads the same under tsx, Next.js and node.
// Each device's public key becomes a KeyObject once and is cached: creating a KeyObject
// from SPKI costs more than a verification (STACK.md). A rotated key replaces the entry.
import { parentPort } from "node:worker_threads";
import { createPublicKey, verify } from "node:crypto";

const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const MAX_CACHED = 500_000;
/** device id → { key: 32-byte Buffer, obj: KeyObject | null (not a valid point) } */
const cache = new Map();

function keyObjectFor(device, key) {
  const hit = cache.get(device);
  if (hit && hit.key.equals(key)) return hit.obj;
  let obj = null;
  try {
    obj = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, key]), format: "der", type: "spki" });
  } catch {
    obj = null;
  }
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(device, { key: Buffer.from(key), obj });
  return obj;
}

/**
 * Request: { id, devices: string[], keys: Uint8Array (32 per item), sigs: Uint8Array (64 per
 * item), msgs: Uint8Array (all messages), offs: Uint32Array (n + 1 offsets into msgs) }.
 * Reply: { id, ok: Uint8Array (1 = valid signature, 0 = not) }.
 */
parentPort.on("message", (req) => {
  const n = req.devices.length;
  const ok = new Uint8Array(n);
  const keys = Buffer.from(req.keys.buffer, req.keys.byteOffset, req.keys.byteLength);
  const sigs = Buffer.from(req.sigs.buffer, req.sigs.byteOffset, req.sigs.byteLength);
  const msgs = Buffer.from(req.msgs.buffer, req.msgs.byteOffset, req.msgs.byteLength);
  for (let i = 0; i < n; i++) {
    const obj = keyObjectFor(req.devices[i], keys.subarray(i * 32, i * 32 + 32));
    if (!obj) continue;
    try {
      ok[i] = verify(null, msgs.subarray(req.offs[i], req.offs[i + 1]), obj, sigs.subarray(i * 64, i * 64 + 64)) ? 1 : 0;
    } catch {
      ok[i] = 0;
    }
  }
  parentPort.postMessage({ id: req.id, ok }, [ok.buffer]);
});
