import { describe, expect, it } from "vitest";
import { Rng, hashInts, hashString, hashUnit, valueNoise1D } from "./random";

describe("Rng", () => {
  it("gives the same sequence for the same seed and different ones for different seeds", () => {
    const a = new Rng("yantai"), b = new Rng("yantai"), c = new Rng("qingdao");
    const sa = Array.from({ length: 50 }, () => a.nextUint32());
    const sb = Array.from({ length: 50 }, () => b.nextUint32());
    const sc = Array.from({ length: 50 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it("treats a number seed like its text", () => {
    expect(new Rng(42).next()).toBe(new Rng("42").next());
  });

  it("forks independent, reproducible streams", () => {
    const f1 = new Rng("s").fork("roads"), f2 = new Rng("s").fork("roads"), g = new Rng("s").fork("pois");
    expect(f1.next()).toBe(f2.next());
    expect(f1.next()).not.toBe(g.next());
  });

  it("draws uniform numbers in range with a plausible mean", () => {
    const r = new Rng("u");
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const v = r.next();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
      sum += v;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1);
    for (let i = 0; i < 1000; i++) {
      const k = r.int(3, 7);
      expect(k).toBeGreaterThanOrEqual(3);
      expect(k).toBeLessThanOrEqual(7);
    }
  });

  it("shuffles into a permutation and picks by weight", () => {
    const r = new Rng("w");
    const items = [1, 2, 3, 4, 5, 6];
    expect(r.shuffle(items).sort()).toEqual(items);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 4000; i++) counts[r.weighted([["a", 3], ["b", 1]] as const)]++;
    expect(counts.a / 4000).toBeGreaterThan(0.7);
    expect(counts.a / 4000).toBeLessThan(0.8);
  });
});

describe("stateless hashes", () => {
  it("are deterministic and sensitive to every key", () => {
    expect(hashString("abc")).toBe(hashString("abc"));
    expect(hashString("abc")).not.toBe(hashString("abd"));
    expect(hashInts(1, 2, 3)).toBe(hashInts(1, 2, 3));
    expect(hashInts(1, 2, 3)).not.toBe(hashInts(1, 3, 2));
    // Large integers (millisecond time buckets) mix their high bits too.
    expect(hashInts(7, 2 ** 40)).not.toBe(hashInts(7, 2 ** 40 + 2 ** 33));
    const u = hashUnit(9, 1);
    expect(u).toBeGreaterThanOrEqual(0);
    expect(u).toBeLessThan(1);
  });

  it("value noise is continuous and bounded", () => {
    let prev = valueNoise1D(5, 0);
    for (let t = 0.01; t < 20; t += 0.01) {
      const v = valueNoise1D(5, t);
      expect(Math.abs(v)).toBeLessThanOrEqual(1);
      expect(Math.abs(v - prev)).toBeLessThan(0.05);
      prev = v;
    }
  });
});
