import { describe, expect, it } from "vitest";
import { assertNarrower, termsFromJson, termsJson, validateTerms, type GrantTerms } from "./terms";

const now = new Date("2026-11-25T08:00:00.000Z");
const h = (n: number) => new Date(now.getTime() + n * 3_600_000);
const base: GrantTerms = { scope: "anonymized", fields: ["a", "b"], dataFrom: h(-48), dataUntil: h(-1), area: null, validFrom: now, validUntil: h(24) };
const msg = (f: () => void) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "accepted";
};

describe("validateTerms", () => {
  it("accepts good terms", () => expect(msg(() => validateTerms(base, ["a", "b", "c"], now))).toBe("accepted"));
  it.each([
    ["expiry in the past", { validUntil: h(-1) }, /validUntil: .* not in the future/],
    ["expiry now", { validUntil: now }, /not in the future/],
    ["grant ending before it starts", { validFrom: h(30) }, /validFrom: the grant would end before it starts/],
    ["data window ending before it starts", { dataFrom: h(-1), dataUntil: h(-2) }, /dataUntil: the data window ends before it starts/],
    ["unknown field", { fields: ["a", "zz"] }, /fields: the dataset has no field zz/],
    ["empty field list", { fields: [] }, /name at least one field/],
  ])("refuses %s", (_n, change, want) => expect(msg(() => validateTerms({ ...base, ...change } as GrantTerms, ["a", "b", "c"], now))).toMatch(want));
});

describe("assertNarrower", () => {
  it("accepts the same terms and narrower ones", () => {
    expect(msg(() => assertNarrower(base, base))).toBe("accepted");
    expect(msg(() => assertNarrower({ ...base, scope: "aggregated", fields: ["a"], dataFrom: h(-24), dataUntil: h(-2), validUntil: h(1) }, base))).toBe("accepted");
  });
  it.each([
    ["more detail", { scope: "raw" }, /scope: raw gives more detail than the requested anonymized/],
    ["a field not asked for", { fields: ["a", "c"] }, /fields: c was not requested/],
    ["all fields when some were asked", { fields: null }, /fields: the request was for a, b only/],
    ["an earlier data start", { dataFrom: h(-72) }, /dataFrom/],
    ["an open data end", { dataUntil: null }, /dataUntil/],
    ["a later expiry", { validUntil: h(25) }, /validUntil: the approval would outlast the request/],
  ])("refuses %s", (_n, change, want) => expect(msg(() => assertNarrower({ ...base, ...change } as GrantTerms, base))).toMatch(want));
  it("keeps an area inside the requested one", () => {
    const req = { ...base, area: { lon: 121, lat: 37, radiusM: 2000 } };
    expect(msg(() => assertNarrower({ ...req, area: { lon: 121, lat: 37, radiusM: 500 } }, req))).toBe("accepted");
    expect(msg(() => assertNarrower({ ...req, area: { lon: 121, lat: 37, radiusM: 5000 } }, req))).toMatch(/area/);
    expect(msg(() => assertNarrower({ ...req, area: null }, req))).toMatch(/area/);
  });
  it("round-trips through JSON", () => expect(termsFromJson(termsJson(base))).toEqual(base));
});
