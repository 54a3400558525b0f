import { describe, expect, it } from "vitest";
import { generateCity, haversineM, type LonLat } from "../city";
import { checkPhysicalRanges, createDeviceLimitCheck } from "./physical-ranges";
import { createSimulator } from "./simulator";
import type { SimReading } from "./types";

const city = generateCity();
const sim = createSimulator({ city, seed: "test" });
const HOUR = 3_600_000;
/** A local (UTC+8) instant in the week of Monday 2026-06-15. */
const local = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 5, 15 + day, hour - 8, minute));

const traffic = (rs: SimReading[]) => rs.filter((r) => r.dataset === "traffic.flow");
const mean = (rs: SimReading[], field: string) => rs.reduce((a, r) => a + (r.values[field] as number), 0) / rs.length;

describe("readingsAt", () => {
  it("produces one reading per periodic device, shaped as SimReading", () => {
    const rs = sim.readingsAt(local(0, 10));
    const periodic = city.devices.filter((d) => d.kind !== "dispatch-terminal");
    expect(rs.filter((r) => r.dataset !== "safety.incidents").map((r) => r.device)).toEqual(periodic.map((d) => d.id));
    for (const r of rs) {
      expect(r.observedAt).toBe(local(0, 10).toISOString());
      expect(r.location).toHaveLength(2);
      for (const v of Object.values(r.values)) expect(["number", "string", "boolean"]).toContain(typeof v);
    }
  });

  it("is deterministic in (city, seed, time) and depends on the seed", () => {
    const t = local(2, 8, 17);
    expect(JSON.stringify(createSimulator({ city, seed: "test" }).readingsAt(t))).toBe(JSON.stringify(sim.readingsAt(t)));
    expect(JSON.stringify(createSimulator({ city, seed: "other" }).readingsAt(t))).not.toBe(JSON.stringify(sim.readingsAt(t)));
  });

  it("respects the physical ranges and each device's limits over a sampled weekday and weekend", () => {
    const limits = createDeviceLimitCheck(city);
    let checked = 0;
    for (const day of [0, 5]) {
      for (let m = 0; m < 24 * 60; m += 20) {
        for (const r of sim.readingsAt(new Date(local(day, 0).getTime() + m * 60_000))) {
          const problems = [...checkPhysicalRanges(r.dataset, r.values), ...limits(r)];
          if (problems.length) throw new Error(`${r.device} at ${r.observedAt}: ${problems.join("; ")}`);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100_000);
  });

  it("filters by dataset", () => {
    const rs = sim.readingsAt(local(0, 9), { datasets: ["energy.load"] });
    expect(rs.length).toBe(city.energy.feeders.length + city.energy.renewables.length);
    expect(rs.every((r) => r.dataset === "energy.load")).toBe(true);
  });

  it("filters by device, incident reports by their reporting terminal, with each reading as without the filter", () => {
    // A time with incidents reported, so that their terminals' reports are filtered too.
    const t = [...Array(48).keys()].map((h) => new Date(Date.UTC(2026, 2, 3, h % 24, 7 * h))).find((d) => sim.readingsAt(d, { datasets: ["safety.incidents"] }).length >= 2)!;
    const all = sim.readingsAt(t);
    const incidents = all.filter((r) => r.dataset === "safety.incidents");
    expect(incidents.length).toBeGreaterThanOrEqual(2);
    const keep = new Set([all[0].device, all[5].device, incidents[0].device]);
    const some = sim.readingsAt(t, { devices: (id) => keep.has(id) });
    expect(JSON.stringify(some)).toBe(JSON.stringify(all.filter((r) => keep.has(r.device))));
    expect(some.some((r) => r.dataset === "safety.incidents")).toBe(true);
    expect(sim.readingsAt(t, { devices: () => false })).toEqual([]);
  });

  it("rejects an invalid date", () => {
    expect(() => sim.readingsAt(new Date(Number.NaN))).toThrow(/invalid time/);
  });
});

describe("traffic rhythm", () => {
  const baseline = createSimulator({ city, seed: "test", incidents: false });
  const at = (day: number, hour: number) => traffic(baseline.readingsAt(local(day, hour)));

  it("is slower and busier at the weekday peaks than at night", () => {
    const night = at(1, 3), morning = at(1, 8), evening = at(1, 18), midday = at(1, 13);
    expect(mean(morning, "speedKmh")).toBeLessThan(mean(night, "speedKmh") * 0.9);
    expect(mean(evening, "speedKmh")).toBeLessThan(mean(night, "speedKmh") * 0.9);
    expect(mean(morning, "speedKmh")).toBeLessThan(mean(midday, "speedKmh"));
    expect(mean(morning, "flowVehH")).toBeGreaterThan(mean(night, "flowVehH") * 5);
    expect(mean(morning, "occupancy")).toBeGreaterThan(mean(night, "occupancy"));
  });

  it("has no morning rush at the weekend", () => {
    expect(mean(at(6, 8), "flowVehH")).toBeLessThan(mean(at(1, 8), "flowVehH") * 0.6);
    expect(mean(at(6, 8), "speedKmh")).toBeGreaterThan(mean(at(1, 8), "speedKmh"));
  });

  it("changes smoothly from minute to minute", () => {
    const a = traffic(baseline.readingsAt(local(2, 10, 0)));
    const b = traffic(baseline.readingsAt(local(2, 10, 1)));
    const jumps = a.map((r, i) => Math.abs((r.values.speedKmh as number) - (b[i].values.speedKmh as number)));
    expect(mean(a, "speedKmh")).toBeGreaterThan(0);
    expect(Math.max(...jumps)).toBeLessThan(6);
  });
});

describe("energy", () => {
  const feederLoad = (t: Date) => sim.readingsAt(t, { datasets: ["energy.load"] })
    .filter((r) => r.values.meter === "feeder").reduce((a, r) => a + (r.values.loadMw as number), 0);
  const solar = (t: Date) => sim.readingsAt(t, { datasets: ["energy.load"] }).filter((r) => r.values.source === "solar");

  it("peaks in the evening and is lowest at night", () => {
    expect(feederLoad(local(1, 19, 30))).toBeGreaterThan(feederLoad(local(1, 3)) * 1.4);
  });

  it("produces solar power in daylight only", () => {
    expect(solar(local(1, 1)).every((r) => r.values.productionMw === 0)).toBe(true);
    expect(solar(local(1, 22)).every((r) => r.values.productionMw === 0)).toBe(true);
    let noon = 0;
    for (let d = 0; d < 7; d++) noon += solar(local(d, 12)).reduce((a, r) => a + (r.values.capacityFactor as number), 0);
    expect(noon / 7 / solar(local(0, 12)).length).toBeGreaterThan(0.2);
  });
});

describe("incidents", () => {
  const findAccident = () => {
    for (let t = local(0, 6).getTime(); t < local(3, 0).getTime(); t += 10 * 60_000) {
      const inc = sim.incidentsAt(new Date(t)).find((i) => i.type === "accident" && i.status === "responding" && i.severity >= 2);
      if (inc) return { inc, time: new Date(t) };
    }
    throw new Error("no accident in three days");
  };

  it("follows a deterministic process with statuses over time", () => {
    const week: Set<string> = new Set();
    for (let t = local(0, 0).getTime(); t < local(7, 0).getTime(); t += HOUR / 2) {
      for (const i of sim.incidentsAt(new Date(t))) {
        week.add(i.id);
        expect(["accident", "fire", "crime", "hazard"]).toContain(i.type);
        expect([1, 2, 3]).toContain(i.severity);
        expect(Date.parse(i.startedAt)).toBeLessThanOrEqual(t);
        expect(Date.parse(i.endedAt)).toBeGreaterThan(Date.parse(i.startedAt));
        expect(i.status === "resolved").toBe(Date.parse(i.endedAt) <= t);
      }
    }
    expect(week.size).toBeGreaterThan(50);
    expect(createSimulator({ city, seed: "test" }).incidentsAt(local(3, 12))).toEqual(sim.incidentsAt(local(3, 12)));
  });

  it("reports each incident from a dispatch terminal at its location on a road", () => {
    const { inc, time } = findAccident();
    const segs = new Map(city.network.segments.map((s) => [s.id, s]));
    const seg = segs.get(inc.segmentId)!;
    const nearest = Math.min(...seg.geometry.map((p) => haversineM(p, inc.location)));
    expect(nearest).toBeLessThan(seg.lengthM);
    const r = sim.readingsAt(time).find((x) => x.dataset === "safety.incidents" && x.values.incidentId === inc.id)!;
    expect(r.device).toBe(inc.reporterDeviceId);
    expect(r.device).toMatch(/^dsp-/);
    expect(r.location).toEqual(inc.location);
  });

  it("congests traffic within about a kilometre of an active accident", () => {
    const { inc, time } = findAccident();
    const baseline = createSimulator({ city, seed: "test", incidents: false });
    const near = (loc: LonLat) => haversineM(loc, inc.location) < 500;
    const withIncident = traffic(sim.readingsAt(time)).filter((r) => near(r.location));
    const without = traffic(baseline.readingsAt(time)).filter((r) => near(r.location));
    expect(withIncident.length).toBeGreaterThan(0);
    expect(mean(withIncident, "speedKmh")).toBeLessThan(mean(without, "speedKmh") * 0.85);
    expect(mean(withIncident, "occupancy")).toBeGreaterThan(mean(without, "occupancy"));
    // Far away nothing changes.
    const far = (loc: LonLat) => haversineM(loc, inc.location) > 3000 && sim.incidentsAt(time).every((i) => haversineM(loc, i.location) > 1500);
    const a = traffic(sim.readingsAt(time)).filter((r) => far(r.location));
    const b = traffic(baseline.readingsAt(time)).filter((r) => far(r.location));
    expect(a).toEqual(b);
  });

  it("tick reports incidents only when they appear or change status", () => {
    const s = createSimulator({ city, seed: "test" });
    const incidentReadings = (rs: SimReading[]) => rs.filter((r) => r.dataset === "safety.incidents");
    const start = local(1, 7).getTime();
    const first = incidentReadings(s.tick(new Date(start)));
    expect(first.length).toBe(s.incidentsAt(new Date(start)).length);
    expect(incidentReadings(s.tick(new Date(start))).length).toBe(0);
    let changes = 0;
    for (let t = start + 60_000; t < start + 6 * HOUR; t += 60_000) changes += incidentReadings(s.tick(new Date(t))).length;
    expect(changes).toBeGreaterThan(5);
    expect(s.tick(new Date(start + 6 * HOUR), { datasets: ["traffic.flow"] }).every((r) => r.dataset === "traffic.flow")).toBe(true);
  });
});

describe("cameras", () => {
  it("see traffic, pedestrians and alerts", () => {
    const rs = sim.readingsAt(local(1, 18)).filter((r) => r.dataset === "safety.cameras");
    expect(rs.length).toBe(city.devices.filter((d) => d.kind === "camera").length);
    expect(rs.filter((r) => r.values.online).length / rs.length).toBeGreaterThan(0.95);
    expect(mean(rs, "vehiclesPerMin")).toBeGreaterThan(1);
    expect(rs.some((r) => r.values.alert === "congestion")).toBe(true);
  });
});
