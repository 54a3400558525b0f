import { describe, expect, it } from "vitest";
import { ReportLimiter } from "./report-limiter";

describe("ReportLimiter", () => {
  it("limits one key across addresses and one address across keys, then lets them go after the window", () => {
    let now = 1_000_000;
    const l = new ReportLimiter({ perKey: 2, perAddress: 3, windowMs: 60_000, now: () => now });
    l.record("k1", "10.0.0.1");
    now += 1000;
    l.record("k1", "10.0.0.2");
    expect(l.retryAfter("k1", "10.0.0.3")).toBe(59); // the key's first report leaves the window in 59 s
    expect(l.retryAfter("k2", "10.0.0.1")).toBe(0);
    l.record("k2", "10.0.0.1");
    l.record(null, "10.0.0.1");
    l.record(null, "10.0.0.1");
    expect(l.retryAfter(null, "10.0.0.1")).toBeGreaterThan(0);
    expect(l.retryAfter("k3", "10.0.0.1")).toBeGreaterThan(0);
    expect(l.retryAfter("k3", "10.0.0.9")).toBe(0);
    now += 60_000;
    expect(l.retryAfter("k1", "10.0.0.1")).toBe(0);
  });

  it("a limit of 0 turns that check off, and the other still holds", () => {
    const l = new ReportLimiter({ perKey: 0, perAddress: 2, windowMs: 60_000, now: () => 5_000 });
    for (let i = 0; i < 50; i++) l.record("k1", `10.0.1.${i}`);
    expect(l.retryAfter("k1", "10.0.2.1")).toBe(0);
    l.record("k2", "10.0.3.1");
    l.record("k3", "10.0.3.1");
    expect(l.retryAfter("k4", "10.0.3.1")).toBe(60);
    const open = new ReportLimiter({ perKey: 0, perAddress: 0, windowMs: 60_000 });
    for (let i = 0; i < 100; i++) open.record("k1", "10.0.0.1");
    expect(open.retryAfter("k1", "10.0.0.1")).toBe(0);
  });
});
