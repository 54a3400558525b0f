import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { matchesGeo, matchesQ, parseGeoQuery, parseQ } from "./query";

const e = { speed: 42, name: "Jiefang Road", on: true, at: "2026-12-05T03:00:00Z", tags: ["a", "b"] };
const holds = (q: string) => matchesQ(parseQ(q), e);

describe("the NGSI-LD q subset", () => {
  it.each([
    ["speed==42", true], ["speed!=42", false], ["speed>41", true], ["speed>=43", false], ["speed<42.5", true], ["speed<=41", false],
    ["speed==40..45", true], ["speed==43..45", false], ["speed!=43..45", true], ["speed==1,42,7", true], ["speed!=1,2", true],
    ['name=="Jiefang Road"', true], ['name=="Jiefang"', false], ["on==true", true], ["on==false", false],
    ["at>2026-12-05T02:00:00Z", true], ["at<2026-12-05T02:00:00Z", false], ["tags==b", true],
    ["speed", true], ["missing", false], ["missing==1", false],
    ["speed>40;on==true", true], ["speed>50;on==true", false], ["speed>50|on==true", true], ["speed>50|on==false", false],
    ['name=="a;b|c"|speed==42', true],
  ])("%s → %s", (q, want) => expect(holds(q)).toBe(want));

  it.each(["speed>>1", "(speed==1)", "speed==", "speed~=ab", 'name=="open', "1bad==2", "speed==a b"])("refuses %s with a 400", (q) => {
    expect(() => parseQ(q)).toThrow(AppError);
    try {
      parseQ(q);
    } catch (err) {
      expect((err as AppError).code).toBe("validation");
      expect((err as AppError).message).toMatch(/^q: /);
    }
  });
});

describe("geo-queries", () => {
  const at: [number, number] = [121.4, 37.5];
  it("near with maxDistance and minDistance, in metres", () => {
    const g = parseGeoQuery({ georel: "near;maxDistance==1000", geometry: "Point", coordinates: "[121.4,37.5]" })!;
    expect(matchesGeo(g, [121.4, 37.5085])).toBe(true); // ~945 m north
    expect(matchesGeo(g, [121.4, 37.51])).toBe(false); // ~1112 m
    const far = parseGeoQuery({ georel: "near;minDistance==1000", geometry: "Point", coordinates: "[121.4,37.5]" })!;
    expect(matchesGeo(far, [121.4, 37.51])).toBe(true);
  });
  it("within, intersects and disjoint a Polygon with a hole", () => {
    const ring = [[121.3, 37.4], [121.5, 37.4], [121.5, 37.6], [121.3, 37.6], [121.3, 37.4]];
    const hole = [[121.39, 37.49], [121.41, 37.49], [121.41, 37.51], [121.39, 37.51], [121.39, 37.49]];
    const w = (rel: string, rings: unknown) => parseGeoQuery({ georel: rel, geometry: "Polygon", coordinates: JSON.stringify(rings) })!;
    expect(matchesGeo(w("within", [ring]), at)).toBe(true);
    expect(matchesGeo(w("within", [ring, hole]), at)).toBe(false);
    expect(matchesGeo(w("intersects", [ring]), [121.2, 37.5])).toBe(false);
    expect(matchesGeo(w("disjoint", [ring]), [121.2, 37.5])).toBe(true);
  });
  it.each([
    [{ georel: "near;maxDistance==10", geometry: "Point" }, /all three/],
    [{ georel: "near", geometry: "Point", coordinates: "[1,2]" }, /maxDistance or minDistance/],
    [{ georel: "near;maxDistance==10", geometry: "Polygon", coordinates: "[1,2]" }, /needs a Point/],
    [{ georel: "within", geometry: "Polygon", coordinates: "[[[1,2],[3,4]]]" }, /rings of at least 4/],
    [{ georel: "overlaps", geometry: "Polygon", coordinates: "[]" }, /not one of/],
    [{ georel: "near;maxDistance==10", geometry: "Point", coordinates: "[200,2]" }, /longitude, latitude/],
    [{ georel: "near;maxDistance==10", geometry: "Point", coordinates: "[1,2]", geoproperty: "observationSpace" }, /only location/],
  ])("refuses %j", (p, msg) => expect(() => parseGeoQuery(p)).toThrow(msg));
});
