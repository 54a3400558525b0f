import { describe, expect, it } from "vitest";
import { DeadLetterCap } from "./dead-letter-cap";

describe("DeadLetterCap", () => {
  it("keeps at most max dead letters a minute and counts the rest", () => {
    let t = 1_000_000;
    const cap = new DeadLetterCap(10, () => t);
    expect(cap.take(4)).toBe(4);
    expect(cap.take(8)).toBe(6);
    expect(cap.take(3)).toBe(0);
    expect(cap.dropped()).toMatchObject({ count: 5, maxPerMinute: 10 });
    t += 60_000;
    expect(cap.take(3)).toBe(3);
    expect(cap.dropped().count).toBe(5);
  });
  it("0 turns it off", () => {
    const cap = new DeadLetterCap(0);
    expect(cap.take(1_000_000)).toBe(1_000_000);
    expect(cap.dropped().count).toBe(0);
  });
});
