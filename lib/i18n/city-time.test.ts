import { describe, expect, it } from "vitest";
import { formatCityTime, fromCityInput, toCityInput } from "./city-time";

describe("formatCityTime", () => {
  it("shows the city's local time (UTC+8) in either language, whatever the machine's zone", () => {
    expect(formatCityTime("2026-12-04T16:30:05.000Z", "en")).toBe("12/05/2026, 00:30:05");
    expect(formatCityTime("2026-12-04T16:30:05.000Z", "zh-CN")).toBe("2026/12/05 00:30:05");
  });
  it("shows the parts a style asks for", () => {
    expect(formatCityTime("2026-12-04T16:30:05.000Z", "en", "hm")).toBe("00:30");
    expect(formatCityTime("2026-12-04T16:30:05.000Z", "zh-CN", "time")).toBe("00:30:05");
    expect(formatCityTime("2026-12-04T16:30:05.000Z", "en", "minute")).toBe("12/05/2026, 00:30");
    expect(formatCityTime("2026-12-04T16:30:05.000Z", "en", "short")).toBe("Dec 5, 00:30");
  });
  it("says nothing false about a bad instant", () => {
    expect(formatCityTime("not a time", "en")).toBe("—");
  });
});

describe("city time inputs", () => {
  it("shows an instant in the city's time (UTC+8)", () => expect(toCityInput("2026-12-05T20:30:00.000Z", 480)).toBe("2026-12-06T04:30"));
  it("reads an input as the city's time", () => expect(fromCityInput("2026-12-06T04:30", 480)?.toISOString()).toBe("2026-12-05T20:30:00.000Z"));
  it("round-trips at minute precision", () => expect(fromCityInput(toCityInput("2026-01-01T00:00:00.000Z", -300), -300)?.toISOString()).toBe("2026-01-01T00:00:00.000Z"));
  it.each(["", "tomorrow", "2026-13-01T00:00"])("gives null for %j", (v) => expect(fromCityInput(v, 480)).toBeNull());
});
