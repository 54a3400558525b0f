import { describe, expect, it } from "vitest";
import { BboxParam } from "./geo-params";

describe("BboxParam", () => {
  it("parses four numbers", () => {
    expect(BboxParam.parse("121.1,37.2,121.8,37.6")).toEqual([121.1, 37.2, 121.8, 37.6]);
  });
  it.each([
    ["1,2,3", "four numbers"],
    ["a,b,c,d", "four numbers"],
    ["121,37,120,38", "minimum must be below"],
    ["-200,0,10,10", "outside"],
  ])("refuses %s naming the problem", (input, want) => {
    const r = BboxParam.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toContain(want);
  });
});
