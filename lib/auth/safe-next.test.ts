import { describe, expect, it } from "vitest";
import { safeNextPath } from "./safe-next";

describe("safeNextPath", () => {
  it.each([
    "/\\evil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%0a/evil.example",
    "/%00",
    "//x",
    "//evil.example/path",
    "/%2F/evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
    "/%E0%A4%A", // malformed escape
    " /admin",
    "/ /evil.example",
    undefined,
    ["/admin"],
  ])("refuses %j", (v) => {
    expect(safeNextPath(v)).toBe("/");
  });
  it.each([
    ["/", "/"],
    ["/admin/grants", "/admin/grants"],
    ["/provenance/reading/12?as=datum#top", "/provenance/reading/12?as=datum#top"],
    ["/?layers=traffic,energy&t=2026-11-25T08%3A00%3A00Z", "/?layers=traffic,energy&t=2026-11-25T08%3A00%3A00Z"],
    ["/admin/../audit", "/audit"],
  ])("keeps %j", (v, want) => {
    expect(safeNextPath(v)).toBe(want);
  });
});
