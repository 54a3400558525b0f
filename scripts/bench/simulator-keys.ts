// npx tsx scripts/bench/simulator-keys.ts – what the simulator's device keys cost the console's
// thread: making a signer from a seed (once per device at each start: 19,177 at size 10) and a
// signature (every reading), with libsodium (signerFromSeed) and with node:crypto's KeyObjects
// (the code before it), beside one thread's SHA-256 rate. CPU time of this process, from /proc.
import crypto from "node:crypto";
import { nodeSignerFromSeed as nodeSigner, signerFromSeed } from "../../lib/sim/simulator-keys";
import { fmt } from "./stats";
import { load, procCpuMs, sha256Rate } from "./machine";

function cpuPer(n: number, fn: (i: number) => unknown): number {
  const c0 = procCpuMs(process.pid);
  for (let i = 0; i < n; i++) fn(i);
  return ((procCpuMs(process.pid) - c0) * 1000) / n;
}

const seeds = Array.from({ length: 3000 }, () => new Uint8Array(crypto.randomBytes(32)));
const message = crypto.randomBytes(260); // a reading's envelope is about this long
console.log(`simulator keys on one thread (${load()}, reference rate ${fmt(sha256Rate() / 1e6, 2)} M SHA-256/s)`);
for (let round = 0; round < 2; round++) {
  const nodeKey = cpuPer(seeds.length, (i) => nodeSigner(seeds[i]));
  const sodiumKey = cpuPer(seeds.length, (i) => signerFromSeed(seeds[i]));
  const a = nodeSigner(seeds[0]), b = signerFromSeed(seeds[0]);
  const nodeSig = cpuPer(20_000, () => a.sign(message));
  const sodiumSig = cpuPer(20_000, () => b.sign(message));
  console.log(`  a device's signer: node:crypto ${fmt(nodeKey, 1)} µs, libsodium ${fmt(sodiumKey, 1)} µs; a signature: node:crypto ${fmt(nodeSig, 1)} µs, libsodium ${fmt(sodiumSig, 1)} µs (CPU)`);
}
