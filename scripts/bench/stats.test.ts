import { describe, expect, it } from "vitest";
import { memoryTrend, slopeWithInterval, windowFloors } from "./stats";

describe("slopeWithInterval", () => {
  it("gives an exact line's slope with no interval, and a noisy flat series an interval holding 0", () => {
    const xs = [1, 2, 3, 4, 5, 6];
    expect(slopeWithInterval(xs, xs.map((x) => 3 * x + 1))).toEqual({ slope: 3, half95: 0 });
    const flat = slopeWithInterval(xs, [10, 14, 9, 13, 10, 12]);
    expect(Math.abs(flat.slope)).toBeLessThan(flat.half95);
    // By hand: Sxy 1, Sxx 17.5 → slope 0.0571; residual sum of squares 19.27, t(4) = 2.776 →
    // half-width 2.776 × √(19.27 / 4 / 17.5) = 1.457.
    expect(flat.slope).toBeCloseTo(0.0571, 3);
    expect(flat.half95).toBeCloseTo(1.457, 2);
    expect(Number.isNaN(slopeWithInterval([1, 2], [1, 2]).slope)).toBe(true);
  });
});

describe("windowFloors and memoryTrend", () => {
  it("takes each five minutes' least value at their middle, and prints both slopes", () => {
    const xs = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
    const ys = [500, 620, 480, 610, 560, 490, 640, 470, 600, 580, 465, 700];
    expect(windowFloors(xs, ys, 5)).toEqual([{ x: 13, y: 480 }, { x: 18, y: 470 }, { x: 21.5, y: 465 }]);
    const text = memoryTrend(xs.map((x, i) => [x, ys[i]]));
    expect(text).toMatch(/^500 → 700 MB \(range 465–700\), slope -?[\d,]+ ± [\d,]+ MB\/h \(95%\); 5-minute floors 480, 470, 465 MB, slope -[\d,]+ ± [\d,]+ MB\/h$/);
    expect(memoryTrend([[1, 2]])).toBe("not measured");
  });
});
