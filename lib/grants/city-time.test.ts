import { describe, expect, it } from "vitest";
import { fromCityInput, toCityInput } from "./city-time";

describe("city time inputs", () => {
  it("shows an instant in the city's time (UTC+8)", () => expect(toCityInput("2026-12-05T20:30:00.000Z", 480)).toBe("2026-12-06T04:30"));
  it("reads an input as the city's time", () => expect(fromCityInput("2026-12-06T04:30", 480)?.toISOString()).toBe("2026-12-05T20:30:00.000Z"));
  it("round-trips at minute precision", () => expect(fromCityInput(toCityInput("2026-01-01T00:00:00.000Z", -300), -300)?.toISOString()).toBe("2026-01-01T00:00:00.000Z"));
  it.each(["", "tomorrow", "2026-13-01T00:00"])("gives null for %j", (v) => expect(fromCityInput(v, 480)).toBeNull());
});
