import { describe, expect, it } from "vitest";
import { congestionColor, NO_DATA_COLOR } from "./traffic-colors";

describe("congestionColor", () => {
  it("maps the ends of the scale to dark red and blue", () => {
    expect(congestionColor(0)).toEqual([103, 0, 13, 235]);
    expect(congestionColor(1)).toEqual([44, 123, 182, 235]);
  });
  it("clamps out-of-range ratios", () => {
    expect(congestionColor(-3)).toEqual(congestionColor(0));
    expect(congestionColor(7)).toEqual(congestionColor(1));
  });
  it("gives the no-data colour for missing values", () => {
    expect(congestionColor(null)).toEqual(NO_DATA_COLOR);
    expect(congestionColor(Number.NaN)).toEqual(NO_DATA_COLOR);
  });
  it("changes colour between slow and free traffic", () => {
    expect(congestionColor(0.4)).not.toEqual(congestionColor(0.9));
  });
});
