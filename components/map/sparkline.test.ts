import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Sparkline } from "./sparkline";

const pathOf = (values: (number | null)[]) => renderToStaticMarkup(createElement(Sparkline, { values, width: 100, height: 20 })).match(/<path d="([^"]*)"/)?.[1] ?? null;

describe("Sparkline", () => {
  it("draws nothing without a value", () => {
    expect(pathOf([])).toBeNull();
    expect(pathOf([null, null])).toBeNull();
  });

  it("draws a lone value as a dash in the middle (the first bucket after a start), not an empty box", () => {
    expect(pathOf([null, 42])).toBe("M99.0,10.0m-1.5,0h3");
    expect(pathOf([42])).toBe("M1.0,10.0m-1.5,0h3");
  });

  it("draws a line through neighbours, breaks it at gaps, and marks a value alone between gaps", () => {
    // 0 and 10 at the extremes (y from 18 down to 2), a gap, then 5 alone.
    expect(pathOf([0, 10, null, 5, null])).toBe("M1.0,18.0L25.5,2.0M74.5,10.0m-1.5,0h3");
  });
});
