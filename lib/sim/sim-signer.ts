import path from "node:path";
import fs from "node:fs";
import type { Worker } from "node:worker_threads";
import { ed25519Check } from "../ingest/verifier";
import { startWorker, workerBootPath } from "../ingest/start-worker";
import { signTick, type SignReply, type SignRequest, type SimKeys } from "./sim-sign";

/** What sim-signer sends its thread: the keys once, then each tick's request. */
export type SimSignMessage =
  | { t: "keys"; devices: [string, Uint8Array][]; gateways: [string, Uint8Array][] }
  | { t: "tick"; id: number; req: SignRequest };
export type SimSignAnswer = { id: number; reply: SignReply } | { id: number; error: string };

export type SimSigner = { sign(req: SignRequest): Promise<SignReply>; close(): Promise<void> };

/**
 * The simulator's signing on a thread of its own (sim-sign-worker.ts), so that a tick's
 * thousands of signatures and gateway checks do not hold the console's thread: at size 10 the
 * first tick held it for seconds, and a first map request waited behind it (bench:map). The
 * thread is given the devices' and gateways' seeds once. Where the thread cannot start or
 * stops, the tick is signed on the calling thread and the log says so once.
 */
export function startSimSigner(keys: SimKeys, log: (m: string) => void): SimSigner {
  const verify = ed25519Check();
  const inline = (req: SignRequest) => signTick(keys, req, verify);
  const boot = workerBootPath();
  const entry = path.resolve(process.cwd(), "lib/sim/sim-sign-worker.ts");
  let worker: Worker | null = null;
  let broken: string | null = null;
  const pending = new Map<number, { resolve(r: SignReply): void; req: SignRequest }>();
  let nextId = 1;
  const giveUp = (why: string) => {
    if (broken) return;
    broken = why;
    worker = null;
    log(`simulator: the signing thread stopped (${why}); signing on the console's thread`);
    // What the thread had not answered is signed here, in order.
    for (const [id, p] of [...pending].sort((a, b) => a[0] - b[0])) {
      pending.delete(id);
      p.resolve(inline(p.req));
    }
  };
  if (!fs.existsSync(/*turbopackIgnore: true*/ boot) || !fs.existsSync(/*turbopackIgnore: true*/ entry)) giveUp(`its files are not under ${process.cwd()}`);
  else {
    const w = startWorker(boot, entry);
    worker = w;
    w.on("message", (m: SimSignAnswer) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      p.resolve("error" in m ? inline(p.req) : m.reply);
    });
    w.on("error", (e) => giveUp(e.message));
    w.on("exit", (code) => giveUp(`exit code ${code}`));
    const seeds = (m: SimKeys["devices"]) => [...m].map(([id, s]) => [id, s.seed] as [string, Uint8Array]);
    w.postMessage({ t: "keys", devices: seeds(keys.devices), gateways: seeds(keys.gateways) } satisfies SimSignMessage);
  }
  return {
    sign(req) {
      if (!worker) return Promise.resolve(inline(req));
      const id = nextId++;
      const w = worker;
      return new Promise<SignReply>((resolve) => {
        pending.set(id, { resolve, req });
        w.postMessage({ t: "tick", id, req } satisfies SimSignMessage);
      });
    },
    async close() {
      const w = worker;
      broken = "closed";
      worker = null;
      await w?.terminate();
      // A tick still waiting sends nothing: the simulator is stopping.
      for (const p of pending.values()) p.resolve({ mqtt: [], gateways: [] });
      pending.clear();
    },
  };
}
