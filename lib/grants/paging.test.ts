import { describe, expect, it } from "vitest";
import { pageOf, statusesOf } from "./paging";

describe("pageOf", () => {
  it.each([
    ["the first of three pages", { total: 25, limit: 10, offset: 0 }, { page: 1, pages: 3, first: 1, last: 10, prevOffset: null, nextOffset: 10 }],
    ["a middle page", { total: 25, limit: 10, offset: 10 }, { page: 2, pages: 3, first: 11, last: 20, prevOffset: 0, nextOffset: 20 }],
    ["the last, short page", { total: 25, limit: 10, offset: 20 }, { page: 3, pages: 3, first: 21, last: 25, prevOffset: 10, nextOffset: null }],
    ["an exact fit", { total: 20, limit: 10, offset: 10 }, { page: 2, pages: 2, first: 11, last: 20, prevOffset: 0, nextOffset: null }],
    ["an empty list", { total: 0, limit: 10, offset: 0 }, { page: 1, pages: 1, first: 0, last: 0, prevOffset: null, nextOffset: null }],
    ["an offset past the end", { total: 5, limit: 10, offset: 30 }, { page: 4, pages: 1, first: 0, last: 0, prevOffset: 20, nextOffset: null }],
    ["an offset between pages", { total: 25, limit: 10, offset: 5 }, { page: 1, pages: 3, first: 6, last: 15, prevOffset: 0, nextOffset: 15 }],
  ])("%s", (_n, input, want) => expect(pageOf(input)).toEqual(want));
  it("refuses a limit below 1 and a negative offset, naming them", () => {
    expect(() => pageOf({ total: 1, limit: 0, offset: 0 })).toThrow("pageOf: limit 0, want >= 1");
    expect(() => pageOf({ total: 1, limit: 10, offset: -1 })).toThrow("pageOf: offset -1, want >= 0");
  });
});

describe("statusesOf", () => {
  it.each([
    ["pending", ["requested"]],
    ["active", ["active"]],
    ["ended", ["revoked", "rejected", "expired"]],
    ["all", null],
  ] as const)("%s", (state, want) => expect(statusesOf(state)).toEqual(want));
});
