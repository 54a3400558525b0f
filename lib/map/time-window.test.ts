import { describe, expect, it } from "vitest";
import { bucketWindow, resolveWindow } from "./time-window";

const NOW = Date.parse("2026-11-25T08:00:00Z");
const opts = { defaultSpanMs: 3_600_000, maxSpanMs: 24 * 3_600_000, now: NOW };

describe("resolveWindow", () => {
  it("defaults to the span before now", () => {
    const w = resolveWindow({}, opts);
    expect(w.to.toISOString()).toBe("2026-11-25T08:00:00.000Z");
    expect(w.from.toISOString()).toBe("2026-11-25T07:00:00.000Z");
  });
  it("names what is wrong with a window", () => {
    expect(() => resolveWindow({ from: "2026-11-25T07:00:00Z", to: "2026-11-25T06:00:00Z" }, opts)).toThrow("must be before to");
    expect(() => resolveWindow({ to: "2026-11-25T09:00:00Z" }, opts)).toThrow("is in the future");
    expect(() => resolveWindow({ from: "2026-11-20T07:00:00Z" }, opts)).toThrow("longer than 24 hours");
  });
});

describe("bucketWindow", () => {
  it("aligns the window to whole buckets", () => {
    const b = bucketWindow({ from: new Date("2026-11-25T07:02:10Z"), to: new Date("2026-11-25T07:59:59Z") }, 600);
    expect(b.from.toISOString()).toBe("2026-11-25T07:00:00.000Z");
    expect(b.to.toISOString()).toBe("2026-11-25T08:00:00.000Z");
    expect(b.count).toBe(6);
  });
  it("refuses buckets that are not whole multiples of five minutes up to an hour", () => {
    const w = { from: new Date(NOW - 3_600_000), to: new Date(NOW) };
    for (const s of [0, 60, 299, 450, 7200]) expect(() => bucketWindow(w, s)).toThrow("bucket must be a multiple of 300 seconds");
  });
  it("refuses windows with too many buckets", () => {
    expect(() => bucketWindow({ from: new Date(NOW - 8 * 24 * 3_600_000), to: new Date(NOW) }, 300)).toThrow("at most 2016 are allowed");
  });
});
