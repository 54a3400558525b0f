import { describe, expect, it } from "vitest";
import { areaInside, assertNarrower, distanceM, termsFromJson, termsJson, validateTerms, type GrantTerms } from "./terms";

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
  describe("area: the approved circle inside the requested one", () => {
    // At 37° N a degree of longitude is 111 320 · cos 37° ≈ 88 906 m, a degree of latitude 110 540 m.
    const lat = 37;
    const east = (m: number) => 121 + m / (111_320 * Math.cos((lat * Math.PI) / 180));
    const north = (m: number) => lat + m / 110_540;
    const req = { ...base, area: { lon: 121, lat, radiusM: 2000 } };
    it.each([
      ["the same circle", { lon: 121, lat, radiusM: 2000 }],
      ["a smaller circle on the same centre", { lon: 121, lat, radiusM: 500 }],
      ["a moved centre, still inside (1000 + 1000 <= 2000)", { lon: east(1000), lat, radiusM: 1000 }],
      ["a circle touching the edge from inside, moved north", { lon: 121, lat: north(1500), radiusM: 500 }],
    ])("accepts %s", (_n, area) => expect(msg(() => assertNarrower({ ...req, area }, req))).toBe("accepted"));
    it.each([
      ["a larger circle", { lon: 121, lat, radiusM: 5000 }, /area: the approved circle \(5000 m\) is not inside the requested one \(2000 m, 0 m between the centres\)/],
      ["a moved centre crossing the edge (1500 + 600 > 2000)", { lon: east(1500), lat, radiusM: 600 }, /area: the approved circle \(600 m\) is not inside the requested one \(2000 m, 1500 m between the centres\)/],
      ["a small circle outside", { lon: 121, lat: north(5000), radiusM: 10 }, /5000 m between the centres/],
      ["no area when one was asked", null, /area: the request was limited to an area; the approval must be too/],
    ])("refuses %s", (_n, area, want) => expect(msg(() => assertNarrower({ ...req, area }, req))).toMatch(want));
    it("accepts any area when the request had none (an area is narrower than the whole city)", () =>
      expect(msg(() => assertNarrower({ ...base, area: { lon: 125, lat: 40, radiusM: 50_000 } }, base))).toBe("accepted"));
    it("measures metres as the scoped read does", () => {
      expect(distanceM({ lon: 121, lat }, { lon: east(1000), lat })).toBeCloseTo(1000, 6);
      expect(distanceM({ lon: 121, lat }, { lon: 121, lat: north(300) })).toBeCloseTo(300, 6);
      expect(areaInside({ lon: 121, lat, radiusM: 1 }, null)).toBe(true);
    });
  });
  it.each([
    ["no radius", { lon: 121, lat: 37, radiusM: 0 }, /area: the radius 0 m is not above 0/],
    ["a latitude off the globe", { lon: 121, lat: 95, radiusM: 10 }, /area: the centre 121, 95 is not a longitude and latitude/],
  ])("validateTerms refuses an area with %s", (_n, area, want) => expect(msg(() => validateTerms({ ...base, area }, ["a", "b"], now))).toMatch(want));
  it("round-trips through JSON", () => expect(termsFromJson(termsJson(base))).toEqual(base));
});
