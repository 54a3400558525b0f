import { describe, expect, it } from "vitest";
import { photoReuse, takenFromAnother, type PhotoReport } from "./photo-reuse";

const U = "unsigned";
const r = (id: string, reporter: string, minute: number, photos: string[]): PhotoReport => ({ id, reporter, createdAt: new Date(Date.UTC(2026, 11, 5, 8, minute)).toISOString(), photos });

describe("photo re-use by hash", () => {
  const first = r("a", "rk-1", 0, ["p1", "p2"]);
  const other = r("b", "rk-2", 5, ["p1"]);
  const own = r("c", "rk-1", 9, ["p2", "p3"]);
  const later = r("d", "rk-3", 20, ["p1"]);

  it("names the earliest earlier report of each photo, and whether the same key sent it", () => {
    const all = [first, other, own, later];
    expect(photoReuse(first, all, U)).toEqual([]);
    expect(photoReuse(other, all, U)).toEqual([{ photo: "p1", report: "a", sameReporter: false, createdAt: first.createdAt }]);
    expect(photoReuse(own, all, U)).toEqual([{ photo: "p2", report: "a", sameReporter: true, createdAt: first.createdAt }]);
    // The later report is matched to the first one to carry the photo, not to the copy before it.
    expect(photoReuse(later, all, U)).toEqual([{ photo: "p1", report: "a", sameReporter: false, createdAt: first.createdAt }]);
  });

  it("holds another key's photo against a report, not the reporter's own", () => {
    const all = [first, other, own];
    expect(takenFromAnother(photoReuse(other, all, U))).toBe(true);
    expect(takenFromAnother(photoReuse(own, all, U))).toBe(false);
    expect(takenFromAnother(photoReuse(first, all, U))).toBe(false);
  });

  it("never counts two unsigned reports as the same reporter", () => {
    const a = r("u1", U, 0, ["p9"]), b = r("u2", U, 1, ["p9"]);
    expect(photoReuse(b, [a, b], U)).toEqual([{ photo: "p9", report: "u1", sameReporter: false, createdAt: a.createdAt }]);
  });

  it("orders reports filed in the same millisecond by id, so only one of two is the re-use", () => {
    const a = r("x1", "rk-1", 3, ["p7"]), b = r("x2", "rk-2", 3, ["p7"]);
    expect(photoReuse(a, [a, b], U)).toEqual([]);
    expect(photoReuse(b, [a, b], U).map((x) => x.report)).toEqual(["x1"]);
  });
});
