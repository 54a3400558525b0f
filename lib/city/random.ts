/**
 * Seeded randomness for the city generator and the simulator.
 *
 * Everything random in lib/city and lib/sim comes from here so that the same seed gives the
 * same city and the same readings, in Node and in the browser. Nothing here reads Math.random
 * or the clock.
 */

/** Mixes a 32-bit integer into a well-distributed 32-bit unsigned integer (lowbias32). */
export function mix32(x: number): number {
  x = x >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Combines a hash with further integers into a new 32-bit unsigned hash. Order matters. */
export function hashInts(seed: number, ...values: number[]): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const v of values) {
    // Fold in the low and high 32 bits so that large integers (time buckets) mix fully.
    const lo = v | 0;
    const hi = Math.floor(v / 4294967296) | 0;
    h = mix32(h ^ mix32(lo + 0x632be5ab));
    h = mix32(h ^ mix32(hi + 0x85ebca6b));
  }
  return h;
}

/** Hashes a string to a 32-bit unsigned integer (FNV-1a followed by a final mix). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** Maps a 32-bit hash to a number in [0, 1). */
export function unitFromHash(h: number): number {
  return (h >>> 0) / 4294967296;
}

/** A uniform number in [0, 1) determined by a seed hash and integer keys. */
export function hashUnit(seed: number, ...values: number[]): number {
  return unitFromHash(hashInts(seed, ...values));
}

/**
 * Smooth one-dimensional value noise in [-1, 1]: random values at integer knots of `t`,
 * joined by a smoothstep curve. Continuous in `t`, deterministic in (seed, t).
 */
export function valueNoise1D(seed: number, t: number): number {
  const k = Math.floor(t);
  const f = t - k;
  const a = hashUnit(seed, k) * 2 - 1;
  const b = hashUnit(seed, k + 1) * 2 - 1;
  const s = f * f * (3 - 2 * f);
  return a + (b - a) * s;
}

/** A seed as accepted by the generator: strings and numbers are both hashed as text. */
export type Seed = string | number;

/**
 * A small, fast, seedable pseudo-random generator (sfc32 seeded from a string hash).
 * `fork(label)` derives an independent stream so that one part of the generator can
 * change how many numbers it draws without shifting every other part.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private readonly label: string;

  constructor(seed: Seed) {
    this.label = String(seed);
    this.a = hashString(this.label + "#a");
    this.b = hashString(this.label + "#b");
    this.c = hashString(this.label + "#c");
    this.d = hashString(this.label + "#d") | 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** An independent generator derived from this one's seed and a label. */
  fork(label: string): Rng {
    return new Rng(this.label + "/" + label);
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const a = this.a, b = this.b, c = this.c, d = this.d;
    const t = (((a + b) | 0) + d) | 0;
    this.d = (d + 1) | 0;
    this.a = b ^ (b >>> 9);
    this.b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.c = (r + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform number in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A standard normal variate (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.pick: empty array");
    return items[Math.floor(this.next() * items.length)];
  }

  /** One element chosen with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[items.length - 1][0];
  }

  /** A shuffled copy of an array (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }
}
