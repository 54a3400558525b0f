// The intake's worker thread (started by check-pool.ts through worker-boot.mjs): it parses
// messages, checks them against its copy of the device registry, verifies their Ed25519
// signatures and prepares their rows for storage (check-message.ts), so that the intake's
// main thread does little more than the storage transaction. Its copy of the registry is
// kept by the pool; a device it does not know is handed back as a lookup, and whatever it
// accepts is checked again against the locked device row when stored.
import fs from "node:fs";
import { parentPort } from "node:worker_threads";
import type { DeviceInfo } from "./device-cache";
import { checkGatewayBatch, checkSignedReading, type CheckEnv, type CheckedBatch, type CheckedReading } from "./check-message";
import { ed25519Check } from "./verifier";
import type { AcceptedReading, StorableReading } from "./store-readings";
import { packBatch, packReadings } from "./batch-transfer";
import { CHECK_THREAD_NAME, type CheckRequest, type CheckReply } from "./check-pool";

// Named so that the kernel's per-thread CPU figures tell the check workers apart (Linux only;
// a thread may rename itself). Synchronous file calls run on the calling thread, so
// /proc/thread-self is this worker's own thread.
try {
  fs.writeFileSync("/proc/thread-self/comm", CHECK_THREAD_NAME);
} catch {
  // not Linux, or /proc not mounted: the threads keep their name
}

const devices = new Map<string, DeviceInfo>();
// Accepted readings' rows are written straight into the buffer transferred (batch-transfer.ts).
const env: CheckEnv = { now: 0, device: (id) => devices.get(id), verify: ed25519Check(), prepareRows: false };

/**
 * Moves every byte array of the results into one buffer that is transferred, not copied:
 * the arrays made here are mostly views on Node's shared 8 KiB pool, which structured
 * cloning would copy whole for each of them. Arrays shared between results (a batch's root
 * and signature, its payload hashes) stay shared.
 */
class Packer {
  private readonly objs: Record<string, Uint8Array>[] = [];
  private readonly keys: string[] = [];
  private readonly seen = new Map<Uint8Array, number>();
  private readonly arrays: Uint8Array[] = [];
  private total = 0;

  add(o: object, k: string): void {
    const b = (o as Record<string, Uint8Array>)[k];
    if (!(b instanceof Uint8Array)) return;
    this.objs.push(o as Record<string, Uint8Array>);
    this.keys.push(k);
    if (!this.seen.has(b)) {
      this.seen.set(b, this.total);
      this.arrays.push(b);
      this.total += b.length;
    }
  }

  reading(r: StorableReading): void {
    this.add(r, "payloadHash");
    this.add(r, "signature");
    if (r.prepared) {
      this.add(r.prepared.entry, "bytes");
      this.add(r.prepared.entry, "copy");
      this.add(r.prepared, "readingCopy");
    }
    const g = (r as AcceptedReading).gateway;
    if (g) {
      this.add(g, "batchRoot");
      this.add(g, "signature");
    }
  }

  /** Copies the arrays into one buffer, points every holder at its copy, and returns the buffer to transfer. */
  pack(): ArrayBuffer[] {
    if (this.total === 0) return [];
    const blob = new Uint8Array(this.total);
    const view = new Map<Uint8Array, Uint8Array>();
    for (const b of this.arrays) {
      const at = this.seen.get(b)!;
      blob.set(b, at);
      view.set(b, blob.subarray(at, at + b.length));
    }
    for (let i = 0; i < this.objs.length; i++) this.objs[i][this.keys[i]] = view.get(this.objs[i][this.keys[i]])!;
    return [blob.buffer];
  }
}

function packBytes(out: CheckedReading[] | CheckedBatch[]): ArrayBuffer[] {
  const p = new Packer();
  for (const r of out) {
    if (r.kind === "reading") {
      p.add(r, "key");
      p.reading(r.reading);
    } else if (r.kind === "batch") {
      p.add(r, "root");
      p.add(r, "signature");
      for (let i = 0; i < r.payloadHashes.length; i++) p.add(r.payloadHashes, String(i));
      for (const it of r.items) if (it.kind === "reading") p.reading(it.reading);
    }
  }
  return p.pack();
}

parentPort!.on("message", (m: CheckRequest) => {
  if (m.t === "devices") {
    for (const id of m.del) devices.delete(id);
    for (const d of m.set) devices.set(d.id, d);
    return;
  }
  env.now = m.now;
  let reply: CheckReply;
  try {
    if (m.t === "readings") {
      const out: CheckedReading[] = [];
      for (let i = 0; i < m.offs.length - 1; i++) {
        out.push(checkSignedReading(m.buf.subarray(m.offs[i], m.offs[i + 1]), m.ctxs[i] ?? {}, env));
      }
      // Accepted readings go as one transferred buffer with offsets (batch-transfer.ts).
      const packed = packReadings(out);
      if (packed) {
        parentPort!.postMessage({ id: m.id, out: [packed] } satisfies CheckReply, [packed.rows.buf.buffer as ArrayBuffer]);
        return;
      }
      reply = { id: m.id, out };
    } else {
      const b = checkGatewayBatch(m.raw, m.ctx, env);
      // An accepted batch goes as one transferred buffer with offsets (batch-transfer.ts).
      const packed = b.kind === "batch" ? packBatch(b) : null;
      if (packed) {
        parentPort!.postMessage({ id: m.id, out: [packed] } satisfies CheckReply, [packed.rows.buf.buffer as ArrayBuffer]);
        return;
      }
      reply = { id: m.id, out: [b] };
    }
  } catch (e) {
    reply = { id: m.id, error: (e as Error).message };
  }
  parentPort!.postMessage(reply, "out" in reply ? packBytes(reply.out as CheckedReading[] | CheckedBatch[]) : []);
});
