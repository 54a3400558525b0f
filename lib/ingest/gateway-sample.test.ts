import { describe, expect, it } from "vitest";
import { sampleIndices, sampleSize } from "./gateway-sample";

const key = new Uint8Array(32).fill(7);
const root = (b: number) => new Uint8Array(32).fill(b);

describe("gateway sample", () => {
  it("checks ceil(rate × n) readings, at least one, at most all", () => {
    expect(sampleSize(1, 0.02)).toBe(1);
    expect(sampleSize(500, 0.02)).toBe(10);
    expect(sampleSize(501, 0.02)).toBe(11);
    expect(sampleSize(50, 0)).toBe(1);
    expect(sampleSize(7, 1)).toBe(7);
    expect(() => sampleSize(0, 0.5)).toThrow("sampleSize: got n=0, rate=0.5; want n >= 1 and 0 <= rate <= 1");
    expect(() => sampleSize(3, 1.5)).toThrow(/rate=1.5/);
  });

  it("gives distinct ascending indices within the batch, the same for the same root and key", () => {
    const a = sampleIndices({ rate: 0.1, key }, root(1), 500);
    expect(a).toHaveLength(50);
    expect(new Set(a).size).toBe(50);
    expect(a.every((i, j) => i >= 0 && i < 500 && (j === 0 || a[j - 1] < i))).toBe(true);
    expect(sampleIndices({ rate: 0.1, key }, root(1), 500)).toEqual(a);
    expect(sampleIndices({ rate: 1, key }, root(1), 4)).toEqual([0, 1, 2, 3]);
  });

  it("depends on the console's key, so a gateway cannot compute it from the root", () => {
    const a = sampleIndices({ rate: 0.02, key }, root(2), 1000);
    const b = sampleIndices({ rate: 0.02, key: new Uint8Array(32).fill(8) }, root(2), 1000);
    expect(a).not.toEqual(b);
  });

  it("covers every index about equally over many batches", () => {
    const n = 20;
    const hits = new Array<number>(n).fill(0);
    for (let r = 0; r < 2000; r++) {
      const rt = new Uint8Array(32);
      new DataView(rt.buffer).setUint32(0, r);
      for (const i of sampleIndices({ rate: 0.1, key }, rt, n)) hits[i]++;
    }
    // 2000 batches × 2 of 20: 200 expected per index.
    expect(Math.min(...hits)).toBeGreaterThan(140);
    expect(Math.max(...hits)).toBeLessThan(260);
  });
});
