// Bit arithmetic on tree sizes and indexes. JavaScript's bitwise operators
// truncate to 32 bits, so these work on safe integers (< 2^53) by splitting
// them into high and low 32-bit halves.
import { LedgerError } from "./errors";

const TWO32 = 2 ** 32;

/** Throws invalid_argument unless `n` is a safe integer >= 0; `what` names it. */
export function requireUint(what: string, n: unknown): asserts n is number {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new LedgerError("invalid_argument", `${what} got ${describe(n)}, want a non-negative safe integer`);
  }
}

function describe(x: unknown): string {
  if (typeof x === "number" || typeof x === "bigint") return String(x);
  if (typeof x === "string") return JSON.stringify(x);
  return typeof x;
}

/** Number of bits needed to write `n` (0 for 0). */
export function bitLength(n: number): number {
  const hi = Math.floor(n / TWO32);
  if (hi > 0) return 64 - Math.clz32(hi);
  return 32 - Math.clz32(n >>> 0);
}

/** Number of set bits in `n`. */
export function onesCount(n: number): number {
  return pop32(Math.floor(n / TWO32)) + pop32(n >>> 0);
}

function pop32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Bitwise XOR of two safe non-negative integers. */
export function xor(a: number, b: number): number {
  const hi = (Math.floor(a / TWO32) ^ Math.floor(b / TWO32)) >>> 0;
  const lo = ((a >>> 0) ^ (b >>> 0)) >>> 0;
  return hi * TWO32 + lo;
}

/** `n` shifted right by `k` bits (floor(n / 2^k)). */
export function shr(n: number, k: number): number {
  return Math.floor(n / 2 ** k);
}

/** Number of trailing zero bits of `n` (0 for 0). */
export function trailingZeros(n: number): number {
  if (n === 0) return 0;
  const lo = n >>> 0;
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  const hi = Math.floor(n / TWO32);
  return 32 + 31 - Math.clz32(hi & -hi);
}

/** True if `n` is a power of two (1, 2, 4, ...). */
export function isPowerOfTwo(n: number): boolean {
  return n > 0 && onesCount(n) === 1;
}

/** The largest power of two strictly less than `n`. Requires n > 1. */
export function splitPoint(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}
