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
});
