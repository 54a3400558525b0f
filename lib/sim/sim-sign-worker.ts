// The simulator's signing thread (started by sim-signer.ts through lib/ingest/worker-boot.mjs):
// it holds the simulated devices' and gateways' keys and does each tick's signing, the
// gateways' checks and their batches (sim-sign.ts), off the console's main thread.
import fs from "node:fs";
import { parentPort } from "node:worker_threads";
import { ed25519Check } from "../ingest/verifier";
import { signerFromSeed, type DeviceSigner } from "./simulator-keys";
import { SIM_SIGN_THREAD_NAME, signTick, type SimKeys } from "./sim-sign";
import type { SimSignMessage, SimSignAnswer } from "./sim-signer";

// Named so that the kernel's per-thread CPU figures tell it apart (as the intake's check workers).
try {
  fs.writeFileSync("/proc/thread-self/comm", SIM_SIGN_THREAD_NAME);
} catch {
  // not Linux: the thread keeps its name
}

const signers = (seeds: [string, Uint8Array][]) => new Map<string, DeviceSigner>(seeds.map(([id, seed]) => [id, signerFromSeed(seed)]));
let keys: SimKeys = { devices: new Map(), gateways: new Map() };
const verify = ed25519Check();

parentPort!.on("message", (m: SimSignMessage) => {
  if (m.t === "keys") {
    keys = { devices: signers(m.devices), gateways: signers(m.gateways) };
    return;
  }
  let answer: SimSignAnswer;
  try {
    answer = { id: m.id, reply: signTick(keys, m.req, verify) };
  } catch (e) {
    answer = { id: m.id, error: (e as Error).message };
  }
  parentPort!.postMessage(answer);
});
