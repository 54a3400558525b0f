import { describe, expect, it } from "vitest";
import { SignInLimiter } from "./sign-in-limiter";

describe("SignInLimiter", () => {
  const make = (extra: { maxPerMinute?: number } = {}) => {
    let t = 1_000_000;
    const l = new SignInLimiter({ maxFailures: 3, windowMs: 300_000, maxPerMinute: extra.maxPerMinute ?? 1000, accountFailures: 12, accountMaxDelayMs: 30_000, now: () => t });
    return { l, advance: (ms: number) => (t += ms) };
  };

  it("backs off exponentially per account and address after the free failures", () => {
    const { l, advance } = make();
    for (let i = 0; i < 3; i++) {
      expect(l.check("1.1.1.1", "a@x")).toBe(0);
      l.failed("1.1.1.1", "a@x");
    }
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const w = l.check("1.1.1.1", "a@x");
      waits.push(w);
      advance(w * 1000);
      expect(l.check("1.1.1.1", "a@x")).toBe(0);
      l.failed("1.1.1.1", "a@x");
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32]);
    // Another address and another account from the same address are not slowed by it.
    expect(l.check("2.2.2.2", "a@x")).toBe(0);
    expect(l.check("1.1.1.1", "b@x")).toBe(0);
  });

  it("caps the pair's delay at the window and forgets failures older than it", () => {
    const { l, advance } = make();
    for (let i = 0; i < 30; i++) l.failed("1.1.1.1", "a@x");
    expect(l.check("1.1.1.1", "a@x")).toBe(300);
    advance(300_001);
    expect(l.check("1.1.1.1", "a@x")).toBe(0);
  });

  it("a success clears only that pair's failures", () => {
    const { l } = make();
    for (let i = 0; i < 5; i++) l.failed("1.1.1.1", "a@x");
    for (let i = 0; i < 5; i++) l.failed("2.2.2.2", "a@x");
    l.succeeded("1.1.1.1", "a@x");
    expect(l.check("1.1.1.1", "a@x")).toBe(0);
    expect(l.check("2.2.2.2", "a@x")).toBeGreaterThan(0);
  });

  it("slows guessing spread over many addresses, but never the owner's known address", () => {
    const { l, advance } = make();
    expect(l.check("10.0.0.1", "a@x")).toBe(0);
    l.succeeded("10.0.0.1", "a@x"); // the owner signed in from here once
    for (let i = 0; i < 12; i++) {
      expect(l.check(`6.6.6.${i}`, "a@x")).toBe(0); // each new address still has its free failures
      l.failed(`6.6.6.${i}`, "a@x");
    }
    // The 13th stranger waits (1 s after the last failure, growing)…
    expect(l.check("6.6.7.1", "a@x")).toBe(1);
    for (let i = 0; i < 20; i++) l.failed(`6.6.8.${i}`, "a@x");
    // …at most accountMaxDelayMs, so an owner at a new address is delayed at most that long.
    expect(l.check("6.6.7.1", "a@x")).toBe(30);
    expect(l.check("192.0.2.1", "a@x")).toBe(30);
    // The owner's known address is not locked by strangers at all.
    expect(l.check("10.0.0.1", "a@x")).toBe(0);
    advance(30_000);
    expect(l.check("192.0.2.1", "a@x")).toBe(0);
  });

  it("limits attempts per address per minute whatever the account", () => {
    const { l, advance } = make({ maxPerMinute: 5 });
    for (let i = 0; i < 5; i++) expect(l.check("ip", `u${i}`)).toBe(0);
    expect(l.check("ip", "u9")).toBeGreaterThan(0);
    advance(61_000);
    expect(l.check("ip", "u9")).toBe(0);
  });
});
