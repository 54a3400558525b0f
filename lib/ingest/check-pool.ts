import path from "node:path";
import fs from "node:fs";
import type { Worker } from "node:worker_threads";
import type { DeviceInfo } from "./device-cache";
import type { CheckContext, CheckedBatch, CheckedReading } from "./check-message";
import { startWorker, workerBootPath } from "./start-worker";
import { unpackBatch, unpackReadings, type PackedBatch, type PackedReadings } from "./batch-transfer";

/** What the pool sends a worker (check-worker.ts). */
export type CheckRequest =
  | { t: "devices"; set: DeviceInfo[]; del: string[] }
  | { t: "readings"; id: number; now: number; buf: Uint8Array; offs: Uint32Array; ctxs: CheckContext[] }
  | { t: "batch"; id: number; now: number; raw: Uint8Array; ctx: CheckContext };
/** What a worker answers: one result per message, or why the whole request failed. */
export type CheckReply = { id: number; out: CheckedReading[] | [PackedReadings] | (CheckedBatch | PackedBatch)[] } | { id: number; error: string };

/** Message checks (check-message.ts) on worker threads. */
export interface CheckPool {
  readonly threads: number;
  /** One signed reading; readings submitted in the same turn of the event loop travel together. */
  reading(raw: Uint8Array, ctx: CheckContext, now: number): Promise<CheckedReading>;
  /**
   * Signed readings of one request (one context): sent in chunks and answered together, with
   * no promise or queue entry per reading (an NDJSON request's lines).
   */
  readings(raws: readonly Uint8Array[], ctx: CheckContext, now: number): Promise<CheckedReading[]>;
  /** One gateway batch. */
  batch(raw: Uint8Array, ctx: CheckContext, now: number): Promise<CheckedBatch>;
  /** The registry changed: these devices are new or different, those are gone. */
  devicesChanged(set: readonly DeviceInfo[], del: readonly string[]): void;
  close(): Promise<void>;
}

/**
 * The check workers' thread name (what `top -H` and /proc/<pid>/task/<tid>/comm show; at most
 * 15 bytes): bench:ingest splits the console's CPU by thread with it.
 */
export const CHECK_THREAD_NAME = "ingest-check";

/** Readings per request to a worker: large enough to amortise the hop, small enough to spread over the workers. */
const CHUNK = 128;
/** Workers that die this many times in a row without answering anything are given up (the caller checks on its own thread). */
const MAX_FAILED_STARTS = 3;

const projectFile = (rel: string) => path.resolve(process.cwd(), rel);

type Pending = { resolve(out: CheckReply): void; reject(e: Error): void; size: number };
type Slot = { worker: Worker; load: number; pending: Map<number, Pending> };

/**
 * Starts `threads` check workers, each given the registry's current devices (`snapshot`)
 * and every later change. Requests go to the least loaded worker. A worker that stops is
 * replaced and its requests fail (the intake then checks those messages itself); after
 * repeated failures to start, every request fails at once and the pool says why in the log.
 * Returns null when `threads` is 0 or the worker files are missing.
 */
export function startCheckPool(opts: {
  threads: number;
  snapshot: () => DeviceInfo[];
  log?: (m: string) => void;
  /** The worker module (tests give another to make workers fail). */
  entry?: string;
}): CheckPool | null {
  const boot = workerBootPath();
  const entry = opts.entry ?? projectFile("lib/ingest/check-worker.ts");
  if (opts.threads <= 0) return null;
  if (!fs.existsSync(/*turbopackIgnore: true*/ boot) || !fs.existsSync(/*turbopackIgnore: true*/ entry)) {
    opts.log?.(`intake: check worker files not found under ${process.cwd()}; checking messages on the main thread`);
    return null;
  }
  let nextId = 1;
  let closed = false;
  let failedStarts = 0;
  let broken: Error | null = null;
  const slots: Slot[] = [];

  const spawn = (i: number) => {
    const worker = startWorker(boot, entry);
    const slot: Slot = { worker, load: 0, pending: new Map() };
    worker.on("message", (m: CheckReply) => {
      failedStarts = 0;
      const p = slot.pending.get(m.id);
      if (!p) return;
      slot.pending.delete(m.id);
      slot.load -= p.size;
      p.resolve(m);
    });
    const fail = (e: Error) => {
      if (slots[i] !== slot) return;
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
      slot.load = 0;
      if (closed || broken) return;
      if (++failedStarts >= MAX_FAILED_STARTS * opts.threads) {
        broken = new Error(`check workers keep stopping (${e.message})`);
        opts.log?.(`intake: ${broken.message}; checking messages on the main thread`);
        return;
      }
      opts.log?.(`intake: check worker ${i} stopped (${e.message}); starting a new one`);
      spawn(i);
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`exit code ${code}`)));
    slots[i] = slot;
    worker.postMessage({ t: "devices", set: opts.snapshot(), del: [] } satisfies CheckRequest);
  };
  for (let i = 0; i < opts.threads; i++) spawn(i);

  const send = (req: CheckRequest & { id: number }, size: number, transfer: ArrayBuffer[]): Promise<CheckReply> => {
    if (broken) return Promise.reject(broken);
    if (closed) return Promise.reject(new Error("check pool closed"));
    const slot = slots.reduce((a, b) => (b.load < a.load ? b : a));
    return new Promise<CheckReply>((resolve, reject) => {
      slot.pending.set(req.id, { resolve, reject, size });
      slot.load += size;
      slot.worker.postMessage(req, transfer);
    });
  };

  const saysSomething = (ctx: CheckContext): boolean => {
    for (const k in ctx) if (ctx[k as keyof CheckContext] !== undefined) return true;
    return false;
  };
  /** One chunk of signed readings (at most CHUNK), as one request to a worker: their results in order. */
  const sendChunk = (raws: readonly Uint8Array[], ctxs: readonly CheckContext[], now: number): Promise<CheckedReading[]> => {
    const offs = new Uint32Array(raws.length + 1);
    let total = 0;
    for (let j = 0; j < raws.length; j++) {
      offs[j] = total;
      total += raws[j].length;
    }
    offs[raws.length] = total;
    const buf = new Uint8Array(total);
    for (let j = 0; j < raws.length; j++) buf.set(raws[j], offs[j]);
    // Contexts only when one names a topic (the worker takes none as {}): not a thousand empty objects cloned.
    const sent = ctxs.some(saysSomething) ? ctxs : [];
    return send({ t: "readings", id: nextId++, now, buf, offs, ctxs: sent as CheckContext[] }, raws.length, [buf.buffer, offs.buffer]).then((reply) => {
      if ("error" in reply) throw new Error(reply.error);
      const first = reply.out[0] as CheckedReading | PackedReadings | undefined;
      return first?.kind === "packed-readings" ? unpackReadings(first) : (reply.out as CheckedReading[]);
    });
  };

  let queued: { raw: Uint8Array; ctx: CheckContext; now: number; resolve(r: CheckedReading): void; reject(e: Error): void }[] = [];
  const flush = () => {
    const all = queued;
    queued = [];
    for (let s = 0; s < all.length; s += CHUNK) {
      const part = all.slice(s, s + CHUNK);
      // One clock for the chunk: the earliest arrival in it (the future-timestamp check is then never looser).
      const now = Math.min(...part.map((q) => q.now));
      sendChunk(
        part.map((q) => q.raw),
        part.map((q) => q.ctx),
        now,
      ).then(
        (out) => part.forEach((q, j) => q.resolve(out[j])),
        (e: Error) => part.forEach((q) => q.reject(e)),
      );
    }
  };

  return {
    threads: opts.threads,
    reading(raw, ctx, now) {
      if (broken) return Promise.reject(broken);
      return new Promise<CheckedReading>((resolve, reject) => {
        if (queued.length === 0) setImmediate(flush);
        queued.push({ raw, ctx, now, resolve, reject });
      });
    },
    async readings(raws, ctx, now) {
      if (broken) throw broken;
      const ctxs = saysSomething(ctx) ? new Array<CheckContext>(Math.min(CHUNK, raws.length)).fill(ctx) : [];
      const parts: Promise<CheckedReading[]>[] = [];
      for (let s = 0; s < raws.length; s += CHUNK) parts.push(sendChunk(raws.slice(s, s + CHUNK), ctxs.slice(0, Math.min(CHUNK, raws.length - s)), now));
      const outs = await Promise.all(parts);
      const out: CheckedReading[] = [];
      for (const o of outs) for (const r of o) out.push(r);
      return out;
    },
    async batch(raw, ctx, now) {
      const copy = raw.slice();
      const reply = await send({ t: "batch", id: nextId++, now, raw: copy, ctx }, Math.max(1, raw.length >> 9), [copy.buffer]);
      if ("error" in reply) throw new Error(reply.error);
      const out = reply.out[0] as CheckedBatch | PackedBatch;
      return out.kind === "packed" ? unpackBatch(out) : out;
    },
    devicesChanged(set, del) {
      if (closed || (set.length === 0 && del.length === 0)) return;
      for (const s of slots) s.worker.postMessage({ t: "devices", set: [...set], del: [...del] } satisfies CheckRequest);
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
