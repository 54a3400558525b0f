import crypto, { type KeyObject } from "node:crypto";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import type { Worker } from "node:worker_threads";

/** One signature to check: the device's current public key (32 bytes), the message and the signature. */
export type VerifyItem = { device: string; key: Uint8Array; message: Uint8Array; signature: Uint8Array };

/** Checks Ed25519 signatures, in order; resolves 1 for a valid signature and 0 otherwise. */
export interface Verifier {
  verify(items: readonly VerifyItem[]): Promise<Uint8Array>;
  /** Worker threads in use; 0 means verification runs on the calling thread. */
  readonly threads: number;
  close(): Promise<void>;
}

const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const CHUNK = 256;

/** The worker's file: plain JavaScript beside this module, found from the project root. */
export function defaultWorkerPath(): string {
  return path.resolve(process.cwd(), "lib/ingest/verify-worker.mjs");
}

type Sodium = { crypto_sign_verify_detached(sig: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean };
let sodiumLoaded: Sodium | null | undefined;
/** libsodium through sodium-native (prebuilt binaries in its npm package), or null where it cannot load. */
export function sodiumNative(): Sodium | null {
  if (sodiumLoaded !== undefined) return sodiumLoaded;
  try {
    // Loaded at run time from node_modules (a native addon), out of the bundler's sight.
    const name = ["sodium", "native"].join("-");
    const s = createRequire(path.join(process.cwd(), "package.json"))(name) as Sodium;
    sodiumLoaded = typeof s.crypto_sign_verify_detached === "function" ? s : null;
  } catch {
    sodiumLoaded = null;
  }
  return sodiumLoaded;
}

/**
 * Verification on this thread (for tests and as a fallback): libsodium when it loads (about
 * twice node:crypto's rate here), else node:crypto with each device's KeyObject made once.
 */
export function inlineVerifier(): Verifier {
  const cache = new Map<string, { key: Buffer; obj: KeyObject | null }>();
  const sodium = sodiumNative();
  const one = (it: VerifyItem): number => {
    if (sodium) {
      if (it.key.length !== 32 || it.signature.length !== 64) return 0;
      try {
        return sodium.crypto_sign_verify_detached(it.signature, it.message, it.key) ? 1 : 0;
      } catch {
        return 0;
      }
    }
    let hit = cache.get(it.device);
    if (!hit || !hit.key.equals(it.key)) {
      let obj: KeyObject | null = null;
      try {
        obj = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, it.key]), format: "der", type: "spki" });
      } catch {
        obj = null;
      }
      hit = { key: Buffer.from(it.key), obj };
      cache.set(it.device, hit);
    }
    if (!hit.obj || it.signature.length !== 64) return 0;
    try {
      return crypto.verify(null, it.message, hit.obj, it.signature) ? 1 : 0;
    } catch {
      return 0;
    }
  };
  return {
    threads: 0,
    async verify(items) {
      const out = new Uint8Array(items.length);
      items.forEach((it, i) => (out[i] = one(it)));
      return out;
    },
    async close() {},
  };
}

// Taken at run time: a bundler (Next.js's Turbopack) that sees `new Worker(path)` tries to
// bundle every file the path could name as a worker entry, and fails.
function startWorker(file: string): Worker {
  const { Worker: WorkerThread } = process.getBuiltinModule("node:worker_threads");
  return new WorkerThread(file);
}

type Pending = { resolve(ok: Uint8Array): void; reject(e: Error): void; size: number };
type Slot = { worker: Worker; load: number; pending: Map<number, Pending> };

/**
 * A pool of `threads` verification workers (default: one per core). Items are sent in
 * chunks to the least loaded worker; each worker caches KeyObjects per device. If the
 * worker file cannot be loaded, verification falls back to this thread and says so.
 */
export function createVerifier(opts: { threads?: number; workerPath?: string; log?: (m: string) => void } = {}): Verifier {
  const threads = Math.max(0, opts.threads ?? os.availableParallelism());
  const file = opts.workerPath ?? defaultWorkerPath();
  if (threads === 0) return inlineVerifier();
  if (!fs.existsSync(/*turbopackIgnore: true*/ file)) {
    opts.log?.(`verification worker ${file} not found; verifying on the main thread`);
    return inlineVerifier();
  }
  let nextId = 1;
  let closed = false;
  const slots: Slot[] = [];
  const spawn = (i: number) => {
    const worker = startWorker(file);
    const slot: Slot = { worker, load: 0, pending: new Map() };
    worker.on("message", (m: { id: number; ok: Uint8Array }) => {
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      slot.load -= p.size;
      p.resolve(m.ok);
    });
    const fail = (e: Error) => {
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
      slot.load = 0;
      if (!closed) {
        opts.log?.(`verification worker ${i} stopped (${e.message}); starting a new one`);
        spawn(i);
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!closed && slots[i] === slot) fail(new Error(`exit code ${code}`));
    });
    slots[i] = slot;
  };
  for (let i = 0; i < threads; i++) spawn(i);

  const send = (items: readonly VerifyItem[]): Promise<Uint8Array> => {
    const slot = slots.reduce((a, b) => (b.load < a.load ? b : a));
    const n = items.length;
    const keys = new Uint8Array(32 * n);
    const sigs = new Uint8Array(64 * n);
    const offs = new Uint32Array(n + 1);
    let total = 0;
    for (let i = 0; i < n; i++) {
      offs[i] = total;
      total += items[i].message.length;
    }
    offs[n] = total;
    const msgs = new Uint8Array(total);
    items.forEach((it, i) => {
      if (it.key.length === 32) keys.set(it.key, 32 * i);
      if (it.signature.length === 64) sigs.set(it.signature, 64 * i);
      msgs.set(it.message, offs[i]);
    });
    const id = nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, size: n });
      slot.load += n;
      slot.worker.postMessage({ id, devices: items.map((it) => it.device), keys, sigs, msgs, offs }, [keys.buffer, sigs.buffer, msgs.buffer, offs.buffer]);
    }).then((ok) => {
      // A wrong-length key or signature never verifies, whatever the worker saw.
      items.forEach((it, i) => {
        if (it.key.length !== 32 || it.signature.length !== 64) ok[i] = 0;
      });
      return ok;
    });
  };

  return {
    threads,
    async verify(items) {
      if (closed) throw new Error("verifier closed");
      if (items.length === 0) return new Uint8Array(0);
      const parts: Promise<Uint8Array>[] = [];
      // Spread a large call over every worker, a small one goes to one worker.
      const per = Math.max(1, Math.min(CHUNK, Math.ceil(items.length / slots.length)));
      for (let i = 0; i < items.length; i += per) parts.push(send(items.slice(i, i + per)));
      const results = await Promise.all(parts);
      const out = new Uint8Array(items.length);
      let o = 0;
      for (const r of results) {
        out.set(r, o);
        o += r.length;
      }
      return out;
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
