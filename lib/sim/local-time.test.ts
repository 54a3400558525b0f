import { describe, expect, it } from "vitest";
import { localTime } from "./local-time";

describe("localTime", () => {
  it("is UTC+8 without daylight saving", () => {
    // 2026-06-15 00:30 UTC is 08:30 on Monday in Yantai.
    const lt = localTime(Date.UTC(2026, 5, 15, 0, 30));
    expect(lt.hour).toBeCloseTo(8.5, 9);
    expect(lt.dayOfWeek).toBe(1);
    expect(lt.weekend).toBe(false);
    expect(lt.dayOfYear).toBe(166);
  });

  it("rolls the day over at local midnight", () => {
    // 2026-01-02 17:00 UTC is Saturday 01:00 on 2026-01-03 local.
    const lt = localTime(Date.UTC(2026, 0, 2, 17, 0));
    expect(lt.hour).toBeCloseTo(1, 9);
    expect(lt.dayOfWeek).toBe(6);
    expect(lt.weekend).toBe(true);
    expect(lt.dayOfYear).toBe(3);
  });
});
