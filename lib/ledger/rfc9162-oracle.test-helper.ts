// A deliberately naive, recursive transcription of RFC 9162 §2.1 (MTH, PATH,
// PROOF/SUBPROOF), used only by tests as an oracle for the real code. It
// works on leaf hashes, slices arrays freely and never optimizes.
import type { Hasher } from "./sha256";

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Largest power of two strictly smaller than n (n > 1), found by counting. */
function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

/** MTH(D[n]) where D is given by its leaf hashes. */
export function oracleRoot(h: Hasher, leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return h(new Uint8Array(0));
  if (leaves.length === 1) return leaves[0];
  const split = k(leaves.length);
  return h(concat(new Uint8Array([1]), oracleRoot(h, leaves.slice(0, split)), oracleRoot(h, leaves.slice(split))));
}

/** PATH(m, D[n]). */
export function oraclePath(h: Hasher, m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return [];
  const split = k(leaves.length);
  if (m < split) return [...oraclePath(h, m, leaves.slice(0, split)), oracleRoot(h, leaves.slice(split))];
  return [...oraclePath(h, m - split, leaves.slice(split)), oracleRoot(h, leaves.slice(0, split))];
}

/** PROOF(m, D[n]) for 0 < m < n; [] for m = 0 or m = n. */
export function oracleConsistency(h: Hasher, m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (m === 0 || m === leaves.length) return [];
  return subproof(h, m, leaves, true);
}

function subproof(h: Hasher, m: number, leaves: Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [oracleRoot(h, leaves)];
  const split = k(n);
  if (m <= split) return [...subproof(h, m, leaves.slice(0, split), b), oracleRoot(h, leaves.slice(split))];
  return [...subproof(h, m - split, leaves.slice(split), false), oracleRoot(h, leaves.slice(0, split))];
}
