import { describe, expect, it } from "vitest";
import { z, ZodError } from "zod";
import { assertNoNul, findNul, instantProblem, SafeInstant } from "./safe-input";
import { errorResponse } from "../http/respond";

describe("SafeInstant", () => {
  it.each([
    ["0000-01-01T00:00:00Z", "year must be between 0001 and 9999"],
    ["2026-01-01T00:00:00+16:00", "UTC offset must be within ±15:59"],
    ["2026-01-01T00:00:00+23:59", "UTC offset must be within ±15:59"],
    ["2026-01-01T00:00:00-99:00", null], // zod's own format check refuses it first
    ["0001-01-01T00:00:00+01:00", "instant must fall between 0001-01-01 and 9999-12-31 UTC"],
    ["9999-12-31T23:59:59-01:00", "instant must fall between 0001-01-01 and 9999-12-31 UTC"],
  ])("refuses %s", (v, why) => {
    const r = SafeInstant.safeParse(v);
    expect(r.success).toBe(false);
    if (why) expect(r.error!.issues[0].message).toBe(why);
  });
  it.each(["2026-11-25T08:00:00Z", "2026-11-25T08:00:00.123+15:59", "2026-11-25T08:00:00-15:59", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])("accepts %s", (v) => {
    expect(SafeInstant.safeParse(v).success).toBe(true);
    expect(instantProblem(v)).toBeNull();
  });
  it("names the field in a route's 400", async () => {
    const q = z.object({ from: SafeInstant.optional() });
    const r = q.safeParse({ from: "0000-01-01T00:00:00Z" });
    const res = errorResponse(r.error);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe("from: year must be between 0001 and 9999");
  });
});

describe("NUL in input", () => {
  it("finds it in values and keys, at any depth", () => {
    expect(findNul({ a: "ok", b: ["x", { reason: "bad\u0000" }] })).toEqual(["b", 1, "reason"]);
    expect(findNul({ ["k\u0000"]: 1 })).toEqual(["k\u0000"]);
    expect(findNul({ a: "ok", n: 1, z: null })).toBeNull();
  });
  it("is a 400 naming the field", async () => {
    let err: unknown;
    try {
      assertNoNul({ q: "\u0000" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZodError);
    const res = errorResponse(err);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe("q: must not contain the NUL character (U+0000)");
  });
});
