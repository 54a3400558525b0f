import { describe, expect, it } from "vitest";
import { formatCityTime } from "./city-time";

describe("formatCityTime", () => {
  it("shows the city's local time (UTC+8) in either language, whatever the machine's zone", () => {
    expect(formatCityTime("2026-12-04T16:30:05.000Z", "en")).toBe("12/05/2026, 00:30:05");
    expect(formatCityTime("2026-12-04T16:30:05.000Z", "zh-CN")).toBe("2026/12/05 00:30:05");
  });
  it("says nothing false about a bad instant", () => {
    expect(formatCityTime("not a time", "en")).toBe("—");
  });
});
