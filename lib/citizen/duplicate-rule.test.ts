import { describe, expect, it } from "vitest";
import { offsetM } from "../grants/area";
import { DUPLICATE_RADIUS_M, DUPLICATE_WINDOW_MS, isDuplicateOf, suggestDuplicates, type DuplicateCandidate } from "./duplicate-rule";

const T0 = "2026-12-05T08:00:00.000Z";
const base: DuplicateCandidate = { id: "a", serviceCode: "pothole", department: "traffic", status: "submitted", lon: 121.447, lat: 37.463, createdAt: T0 };
const at = (east: number, north: number) => offsetM(base, east, north);
const later = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

describe("duplicate rule (same department and category, open or confirmed, within 100 m and 72 h)", () => {
  const cases: [string, Partial<DuplicateCandidate>, boolean][] = [
    ["same place, same time", {}, true],
    ["99 m east", at(99, 0), true],
    ["exactly 100 m north", at(0, DUPLICATE_RADIUS_M - 1e-6), true],
    ["101 m north", at(0, 101), false],
    ["80 m east and 80 m north (113 m)", at(80, 80), false],
    ["71 h later", { createdAt: later(71 * 3600_000) }, true],
    ["exactly 72 h earlier", { createdAt: later(-DUPLICATE_WINDOW_MS) }, true],
    ["73 h later", { createdAt: later(73 * 3600_000) }, false],
    ["another category", { serviceCode: "illegal_parking" }, false],
    ["another department", { department: "energy" }, false],
    ["assigned", { status: "assigned" }, true],
    ["confirmed", { status: "confirmed" }, true],
    ["resolved", { status: "resolved" }, false],
    ["rejected", { status: "rejected" }, false],
    ["already merged", { status: "merged" }, false],
    ["the report itself", { id: "a" }, false],
  ];
  it.each(cases)("%s", (_name, change, want) => {
    expect(isDuplicateOf(base, { ...base, id: "b", ...change })).toBe(want);
  });

  it("suggests the duplicates nearest first, then closest in time, with distance and hours", () => {
    const others: DuplicateCandidate[] = [
      { ...base, id: "far", ...at(300, 0) },
      { ...base, id: "near-late", ...at(10, 0), createdAt: later(30 * 3600_000) },
      { ...base, id: "mid", ...at(60, 0), status: "confirmed" },
      { ...base, id: "near-early", ...at(10, 0), createdAt: later(-2 * 3600_000) },
      { ...base, id: "closed", status: "resolved" },
    ];
    expect(suggestDuplicates(base, others)).toEqual([
      { id: "near-early", status: "submitted", distanceM: 10, hoursApart: 2 },
      { id: "near-late", status: "submitted", distanceM: 10, hoursApart: 30 },
      { id: "mid", status: "confirmed", distanceM: 60, hoursApart: 0 },
    ]);
  });
});
