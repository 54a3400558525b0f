import { describe, expect, it } from "vitest";
import { canonicalInstantMs, checkValues, isCanonicalInstant, ISO_INSTANT } from "./values-schema";

const traffic = { segmentId: "seg-1", speedKmh: 42.5, flowVehH: 800, occupancy: 0.2 };
const incident = {
  incidentId: "inc-1",
  type: "accident",
  severity: 2,
  status: "reported",
  startedAt: "2026-05-01T08:00:00.000Z",
  endedAt: "2026-05-01T09:00:00.000Z",
  segmentId: "seg-1",
  lanesBlocked: 1,
};
const check = (ds: string, v: Record<string, unknown>) => {
  const r = checkValues(ds, v);
  return r ? `${r.reason} ${r.path}` : "ok";
};

describe("checkValues against the dataset schemas of lib/city", () => {
  it("accepts valid values, with optional fields left out", () => {
    expect(check("traffic.flow", traffic)).toBe("ok");
    expect(check("safety.incidents", incident)).toBe("ok");
    expect(check("energy.load", { meter: "feeder", loadMw: 3.2, utilisation: 0.5, voltageKv: 10.4 })).toBe("ok");
    expect(check("reports.citizen", { serviceCode: "streetlight", description: "路灯坏了 😀", status: "open" })).toBe("ok");
  });

  it("refuses values outside the physical range, naming the field", () => {
    expect(check("traffic.flow", { ...traffic, speedKmh: 131 })).toBe("out_of_range values.speedKmh");
    expect(check("traffic.flow", { ...traffic, speedKmh: -1 })).toBe("out_of_range values.speedKmh");
    expect(check("traffic.flow", { ...traffic, occupancy: 1.0001 })).toBe("out_of_range values.occupancy");
    expect(check("safety.incidents", { ...incident, severity: 4 })).toBe("out_of_range values.severity");
    expect(checkValues("traffic.flow", { ...traffic, speedKmh: 250 })?.message).toBe("values.speedKmh = 250 is outside the physical range 0..130 km/h");
  });

  it("refuses wrong types, missing fields, non-integers and values outside an enum", () => {
    expect(check("traffic.flow", { ...traffic, speedKmh: "fast" })).toBe("schema values.speedKmh");
    expect(check("traffic.flow", { ...traffic, flowVehH: 800.5 })).toBe("schema values.flowVehH");
    const { speedKmh: _s, ...missing } = traffic;
    expect(check("traffic.flow", missing)).toBe("schema values.speedKmh");
    expect(checkValues("traffic.flow", missing)?.message).toBe("values.speedKmh is required by dataset traffic.flow");
    // A detector that records speed only (a recorded feed, readings:replay) may leave out flow and occupancy.
    const { flowVehH: _f, occupancy: _o, ...speedOnly } = traffic;
    expect(checkValues("traffic.flow", speedOnly)).toBeNull();
    expect(check("safety.incidents", { ...incident, type: "alien" })).toBe("schema values.type");
    expect(check("safety.incidents", { ...incident, startedAt: "yesterday" })).toBe("schema values.startedAt");
    expect(check("safety.cameras", { online: "yes", vehiclesPerMin: 1, pedestriansPerMin: 1, alert: "none" })).toBe("schema values.online");
  });

  it("refuses unknown fields and unknown datasets", () => {
    expect(check("traffic.flow", { ...traffic, colour: "red" })).toBe("unknown_field values.colour");
    expect(check("traffic.flow", { ...traffic, ["__proto__"]: 1 })).toBe("unknown_field values.__proto__");
    expect(check("traffic.flow", JSON.parse(`{"segmentId":"s","speedKmh":1,"flowVehH":1,"occupancy":0,"__proto__":1}`))).toBe("unknown_field values.__proto__");
    expect(check("weather.rain", {})).toBe("schema dataset");
  });

  it("refuses strings PostgreSQL's jsonb cannot hold", () => {
    expect(check("reports.citizen", { serviceCode: "a", description: "nul\u0000byte", status: "open" })).toBe("schema values.description");
    expect(check("reports.citizen", { serviceCode: "a", description: "lone \ud800 surrogate", status: "open" })).toBe("schema values.description");
    expect(check("reports.citizen", { serviceCode: "a", description: "x".repeat(5000), status: "open" })).toBe("schema values.description");
  });

  it("knows the canonical instant form", () => {
    expect(isCanonicalInstant("2026-05-01T08:00:00.000Z")).toBe(true);
    expect(isCanonicalInstant("2026-05-01T08:00:00Z")).toBe(false);
    expect(isCanonicalInstant("2026-13-01T08:00:00.000Z")).toBe(false);
  });

  it("reads a canonical instant as Date.parse and the round trip through toISOString do", () => {
    const reference = (s: string) => {
      if (!ISO_INSTANT.test(s)) return NaN;
      const t = Date.parse(s);
      return Number.isFinite(t) && new Date(t).toISOString() === s ? t : NaN;
    };
    const edges = ["2026-02-29T00:00:00.000Z", "2024-02-29T23:59:59.999Z", "2100-02-29T00:00:00.000Z", "2000-02-29T00:00:00.000Z", "2026-04-31T00:00:00.000Z", "2026-01-01T24:00:00.000Z", "2026-01-01T23:60:00.000Z", "2026-01-01T23:59:60.000Z", "2026-00-01T00:00:00.000Z", "2026-01-00T00:00:00.000Z", "0000-01-01T00:00:00.000Z", "0099-12-31T23:59:59.999Z", "0100-03-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z", "1970-01-01T00:00:00.000Z", "2026-05-01T08:00:00.000+", "2026-05-01T08:00:00.000z"];
    for (const s of edges) expect([s, canonicalInstantMs(s)]).toEqual([s, reference(s)]);
    const pad = (n: number, w: number) => String(n).padStart(w, "0");
    for (let i = 0; i < 20_000; i++) {
      const r = (n: number) => Math.floor(Math.random() * n);
      const s = `${pad(r(10_000), 4)}-${pad(r(14), 2)}-${pad(r(33), 2)}T${pad(r(26), 2)}:${pad(r(61), 2)}:${pad(r(61), 2)}.${pad(r(1000), 3)}Z`;
      expect([s, canonicalInstantMs(s)]).toEqual([s, reference(s)]);
      const t = new Date(r(2 ** 44) - 2 ** 43).toISOString();
      if (t.length === 24) expect(canonicalInstantMs(t)).toBe(Date.parse(t));
    }
  });
});
