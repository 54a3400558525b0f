import { describe, expect, it } from "vitest";
import { demoName } from "./demo-users";

describe("demo users' names", () => {
  it("are people's names, distinct for the first 480 users", () => {
    const names = Array.from({ length: 480 }, (_, n) => demoName(n));
    expect(new Set(names).size).toBe(480);
    for (const n of names) expect(n).toMatch(/^[\u4e00-\u9fff]{2,3}$/);
  });
});
