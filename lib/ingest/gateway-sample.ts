import crypto from "node:crypto";

/**
 * Which readings of a gateway batch have their device signatures checked.
 *
 * A gateway signs only the batch root; the console checks `rate` of the readings' own device
 * signatures (at least one per batch) so that a gateway altering readings after their devices
 * signed them is caught without verifying every signature (which a gateway exists to spare).
 *
 * The choice is deterministic per batch (the same batch resent is sampled the same way, so a
 * resend is no second chance) but keyed with a secret of the console: the sample is
 * HMAC-SHA256(key, batchRoot) driving a partial Fisher–Yates shuffle. Seeded by the root
 * alone, a gateway could compute the sample before sending and put its altered reading where
 * no check looks (or reorder readings until the root's sample misses it); with the key it
 * cannot predict which readings are checked, so each altered reading is caught with
 * probability at least `rate`, and a batch of n readings with m altered ones escapes with
 * probability about (1 - rate)^m.
 */
export type GatewaySample = { rate: number; key: Uint8Array };

/** A fresh sampling key (per process: samples need not agree across restarts). */
export const newSampleKey = (): Uint8Array => new Uint8Array(crypto.randomBytes(32));

/** How many of `n` readings are checked at `rate`: ceil(rate × n), at least 1, at most n. Requires n >= 1 and 0 <= rate <= 1. */
export function sampleSize(n: number, rate: number): number {
  if (!(n >= 1) || !(rate >= 0 && rate <= 1)) throw new RangeError(`sampleSize: got n=${n}, rate=${rate}; want n >= 1 and 0 <= rate <= 1`);
  return Math.min(n, Math.max(1, Math.ceil(rate * n - 1e-9)));
}

/** The indices (ascending) of the readings of a batch of `n` with this root whose device signatures are checked. */
export function sampleIndices(s: GatewaySample, root: Uint8Array, n: number): number[] {
  const k = sampleSize(n, s.rate);
  if (k === n) return Array.from({ length: n }, (_, i) => i);
  const seed = crypto.createHmac("sha256", s.key).update(root).digest();
  let block = Buffer.alloc(0);
  let counter = 0;
  let at = 0;
  const next32 = (): number => {
    if (at + 4 > block.length) {
      const c = Buffer.alloc(4);
      c.writeUInt32BE(counter++);
      block = crypto.createHash("sha256").update(seed).update(c).digest();
      at = 0;
    }
    const v = block.readUInt32BE(at);
    at += 4;
    return v;
  };
  // Partial Fisher–Yates over a sparse permutation: k swaps, memory O(k).
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + (next32() % (n - i));
    const vj = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    out.push(vj);
  }
  return out.sort((a, b) => a - b);
}
