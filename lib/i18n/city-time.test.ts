import { describe, expect, it } from "vitest";
import { formatCityTime, formatCityTimeWithOffset, fromCityInput, toCityInput, utcOffsetLabel } from "./city-time";

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

describe("a city time with its UTC offset", () => {
  it("writes the offset as the console shows it, and the time in the city's zone across midnight", () => {
    expect(utcOffsetLabel(480)).toBe("UTC+08");
    expect(utcOffsetLabel(0)).toBe("UTC+00");
    expect(utcOffsetLabel(-330)).toBe("UTC-0530");
    const at = Date.parse("2026-12-04T16:45:30.000Z");
    expect(formatCityTimeWithOffset(at, "en")).toBe(`${formatCityTime(at, "en", "minute")} (UTC+08)`);
    expect(formatCityTimeWithOffset(at, "en")).toMatch(/12\/05\/2026, 00:45 \(UTC\+08\)$/);
  });
});
