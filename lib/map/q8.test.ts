import { describe, expect, it } from "vitest";
import { decodeQ8, MISSING, q8, q8Bytes, quantise } from "./q8";

describe("q8", () => {
  it("round-trips values within half a step and keeps missing values missing", () => {
    const v = [0, 0.5, 0.123, 1.016, Number.NaN, 7];
    const d = decodeQ8(q8(v, 0.004));
    expect(d[0]).toBe(0);
    expect(Math.abs(d[1] - 0.5)).toBeLessThanOrEqual(0.002);
    expect(Math.abs(d[2] - 0.123)).toBeLessThanOrEqual(0.002 + 1e-7);
    expect(Number.isNaN(d[4])).toBe(true);
    expect(d[5]).toBeCloseTo(254 * 0.004, 5); // clamped to the largest step
  });
  it("quantises value by value, so a window's bytes are its parts' bytes side by side", () => {
    const a = [0.2, Number.NaN, 0.9], b = [Number.NaN, 0.41, 3];
    const parts = new Uint8Array([...quantise(a, 0.004), ...quantise(b, 0.004)]);
    expect(q8Bytes(parts, 0.004)).toEqual(q8([...a, ...b], 0.004));
    expect(quantise(a, 0.004)[1]).toBe(MISSING);
  });
  it("refuses a scale that is not positive", () => {
    expect(() => q8([1], 0)).toThrow("scale must be positive, got 0");
  });
});
