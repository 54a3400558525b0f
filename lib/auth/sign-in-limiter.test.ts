import { describe, expect, it } from "vitest";
import { SignInLimiter } from "./sign-in-limiter";

describe("SignInLimiter", () => {
  const make = () => {
    let t = 1_000_000;
    const l = new SignInLimiter({ maxFailures: 3, windowMs: 60_000, maxPerMinute: 5, now: () => t });
    return { l, advance: (ms: number) => (t += ms) };
  };

  it("refuses an account after maxFailures failures from any address, until the window passes", () => {
    const { l, advance } = make();
    for (let i = 0; i < 3; i++) {
      expect(l.check(`1.2.3.${i}`, "a@x")).toBe(0);
      l.failed("a@x");
    }
    expect(l.check("1.2.3.4", "a@x")).toBe(60);
    expect(l.check("5.6.7.8", "a@x")).toBe(60);
    // Another account from the same address is not affected.
    expect(l.check("1.2.3.4", "b@x")).toBe(0);
    advance(60_001);
    expect(l.check("1.2.3.4", "a@x")).toBe(0);
  });

  it("a success clears the account's failures", () => {
    const { l } = make();
    l.failed("a");
    l.failed("a");
    l.succeeded("a");
    l.failed("a");
    expect(l.check("ip", "a")).toBe(0);
  });

  it("limits attempts per address per minute whatever the account", () => {
    const { l, advance } = make();
    for (let i = 0; i < 5; i++) expect(l.check("ip", `u${i}`)).toBe(0);
    expect(l.check("ip", "u9")).toBeGreaterThan(0);
    advance(61_000);
    expect(l.check("ip", "u9")).toBe(0);
  });
});
