import { describe, expect, it } from "vitest";
import { parseCopyText } from "./copy-text";

describe("parseCopyText", () => {
  it("splits rows and fields and reads NULL", () => {
    expect(parseCopyText("1\ta\t\\N\n2\tb\tc\n")).toEqual([
      ["1", "a", null],
      ["2", "b", "c"],
    ]);
  });
  it("undoes backslash escapes", () => {
    expect(parseCopyText("a\\tb\\nc\\\\d\t\\x41\\101\n")).toEqual([["a\tb\nc\\d", "AA"]]);
  });
  it("gives no rows for empty output", () => {
    expect(parseCopyText("")).toEqual([]);
  });
});
