// Ed25519 verification on a worker thread (lib/ingest/verifier.ts starts one per core).
// Plain JavaScript, so it loads the same under tsx, Next.js and node. It verifies with
// libsodium (sodium-native, prebuilt for the common platforms inside its npm package):
// about twice as fast here as node:crypto, which creates an OpenSSL 3 context per call.
// If sodium-native cannot be loaded it falls back to node:crypto, with each device's
// KeyObject made once and cached (creating one from SPKI costs more than a verification).
import { parentPort } from "node:worker_threads";
import { createRequire } from "node:module";
import { createPublicKey, verify } from "node:crypto";

const require = createRequire(import.meta.url);
let sodium = null;
try {
  sodium = require("sodium-native");
  if (typeof sodium.crypto_sign_verify_detached !== "function") sodium = null;
} catch {
  sodium = null;
}

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

function verifyOne(device, key, msg, sig) {
  if (sodium) {
    try {
      return sodium.crypto_sign_verify_detached(sig, msg, key) ? 1 : 0;
    } catch {
      return 0;
    }
  }
  const obj = keyObjectFor(device, key);
  if (!obj) return 0;
  try {
    return verify(null, msg, obj, sig) ? 1 : 0;
  } catch {
    return 0;
  }
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
    ok[i] = verifyOne(req.devices[i], keys.subarray(i * 32, i * 32 + 32), msgs.subarray(req.offs[i], req.offs[i + 1]), sigs.subarray(i * 64, i * 64 + 64));
  }
  parentPort.postMessage({ id: req.id, ok }, [ok.buffer]);
});
