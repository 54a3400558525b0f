import { beforeAll, describe, expect, it } from "vitest";
import { DATASETS, DEPARTMENTS } from "./datasets";
import { generateCity } from "./generate-city";
import { haversineM, pointInRing } from "./geo";
import { connectedComponents } from "./graph-queries";
import type { CityModel, LonLat } from "./types";

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

let city: CityModel;
beforeAll(() => {
  city = generateCity();
});

describe("determinism", () => {
  it("gives a byte-identical model for the same options", async () => {
    const a = JSON.stringify(generateCity({ seed: "determinism" }));
    const b = JSON.stringify(generateCity({ seed: "determinism" }));
    expect(a === b).toBe(true);
    expect(await sha256Hex(a)).toBe(await sha256Hex(b));
    expect(JSON.stringify(generateCity())).toBe(JSON.stringify(city));
  });

  it("gives different cities for different seeds", async () => {
    const a = generateCity({ seed: 1 });
    const b = generateCity({ seed: 2 });
    expect(await sha256Hex(JSON.stringify(a))).not.toBe(await sha256Hex(JSON.stringify(b)));
    expect(a.waters.coastline).not.toEqual(b.waters.coastline);
    expect(a.network.segments.length).not.toBe(b.network.segments.length);
  });

  it("rounds every coordinate to 6 decimals", () => {
    const check = (p: LonLat) => {
      expect(Math.round(p[0] * 1e6) / 1e6).toBe(p[0]);
      expect(Math.round(p[1] * 1e6) / 1e6).toBe(p[1]);
    };
    city.network.nodes.forEach((n) => check(n.location));
    city.network.segments.slice(0, 500).forEach((s) => s.geometry.forEach(check));
    city.devices.forEach((d) => check(d.location));
  });
});

describe("road graph", () => {
  it("has at least 5,000 segments at the default size", () => {
    expect(city.network.segments.length).toBeGreaterThanOrEqual(5000);
    expect(city.stats.segments).toBe(city.network.segments.length);
  });

  it("is one connected component whose segments join existing nodes", () => {
    const nodeIds = new Set(city.network.nodes.map((n) => n.id));
    expect(nodeIds.size).toBe(city.network.nodes.length);
    for (const s of city.network.segments) {
      expect(nodeIds.has(s.from)).toBe(true);
      expect(nodeIds.has(s.to)).toBe(true);
    }
    const comps = connectedComponents(city.network);
    expect(comps.length).toBe(1);
    expect(comps[0].length).toBe(city.network.nodes.length);
  });

  it("has unique ids, positive lengths matching the geometry, and endpoints at its nodes", () => {
    const nodes = new Map(city.network.nodes.map((n) => [n.id, n]));
    const ids = new Set<string>();
    for (const s of city.network.segments) {
      expect(ids.has(s.id)).toBe(false);
      ids.add(s.id);
      expect(s.lengthM).toBeGreaterThan(0);
      expect(s.geometry.length).toBeGreaterThanOrEqual(2);
      expect(s.geometry[0]).toEqual(nodes.get(s.from)!.location);
      expect(s.geometry[s.geometry.length - 1]).toEqual(nodes.get(s.to)!.location);
      let len = 0;
      for (let i = 1; i < s.geometry.length; i++) len += haversineM(s.geometry[i - 1], s.geometry[i]);
      expect(Math.abs(len - s.lengthM)).toBeLessThan(0.2);
      expect(s.lanes).toBeGreaterThanOrEqual(2);
      expect(s.capacityVehH).toBeGreaterThan(0);
      expect(s.freeFlowKmh).toBeGreaterThan(0);
    }
  });

  it("puts no road in the sea and no vertex in a river except on bridges", () => {
    const seaRing = city.waters.sea[0];
    const rivers = city.waters.rivers.map((r) => r.polygon[0]);
    for (const s of city.network.segments) {
      for (const p of s.geometry) expect(pointInRing(p, seaRing)).toBe(false);
      if (!s.bridge) {
        for (const p of s.geometry) for (const ring of rivers) expect(pointInRing(p, ring)).toBe(false);
      }
    }
  });

  it("has every road class, names on major roads, bridges, ring roads and signals", () => {
    const classes = new Set(city.network.segments.map((s) => s.class));
    expect([...classes].sort()).toEqual(["arterial", "collector", "expressway", "local"]);
    for (const s of city.network.segments) {
      if (s.class !== "local") {
        expect(s.nameZh).toBeTruthy();
        expect(s.nameEn).toBeTruthy();
      }
    }
    expect(city.network.segments.filter((s) => s.bridge && s.class !== "local").length).toBeGreaterThan(3);
    expect(city.network.segments.some((s) => s.bridge && s.class === "local")).toBe(false);
    expect(city.network.roads.filter((r) => r.ring).length).toBeGreaterThanOrEqual(1);
    const signals = city.network.nodes.filter((n) => n.signalised).length;
    expect(signals).toBeGreaterThan(100);
    const roadIds = new Set(city.network.roads.map((r) => r.id));
    for (const s of city.network.segments) expect(roadIds.has(s.roadId)).toBe(true);
  });
});

describe("geography", () => {
  it("has the six districts with names, polygons and label points inside them", () => {
    expect(city.districts.map((d) => d.id).sort()).toEqual(["devzone", "fushan", "laishan", "muping", "penglai", "zhifu"]);
    for (const d of city.districts) {
      expect(d.nameZh).toMatch(/区$/);
      expect(d.polygon[0].length).toBeGreaterThan(10);
      expect(pointInRing(d.labelPoint, d.polygon[0])).toBe(true);
      expect(d.areaKm2).toBeGreaterThan(1);
    }
  });

  it("lays the sea north of the land, with a river running into it", () => {
    const landTop = city.bbox[3];
    const seaMaxLat = Math.max(...city.waters.sea[0].map((p) => p[1]));
    expect(seaMaxLat).toBeGreaterThan(landTop);
    expect(city.waters.rivers.length).toBeGreaterThanOrEqual(1);
    for (const r of city.waters.rivers) {
      const south = r.centerline[0], mouth = r.centerline[r.centerline.length - 1];
      expect(mouth[1]).toBeGreaterThan(south[1]);
      expect(pointInRing(mouth, city.waters.sea[0])).toBe(true);
      expect(south[1]).toBeLessThan(city.bbox[1]);
    }
  });
});

describe("devices and services", () => {
  it("puts every traffic sensor on an existing segment at a position along it", () => {
    const segs = new Set(city.network.segments.map((s) => s.id));
    const sensors = city.devices.filter((d) => d.kind === "traffic-sensor");
    expect(sensors.length).toBeGreaterThan(500);
    for (const d of sensors) {
      if (d.kind !== "traffic-sensor") continue;
      expect(segs.has(d.segmentId)).toBe(true);
      expect(d.position).toBeGreaterThanOrEqual(0);
      expect(d.position).toBeLessThanOrEqual(1);
      expect(d.id).toMatch(/^trf-\d{6}$/);
    }
  });

  it("gives every device a unique id and a dataset owned consistently", () => {
    const ids = new Set(city.devices.map((d) => d.id));
    expect(ids.size).toBe(city.devices.length);
    const sorted = city.devices.map((d) => d.id).slice().sort();
    expect(city.devices.map((d) => d.id)).toEqual(sorted);
    const datasets = new Map(DATASETS.map((d) => [d.id, d]));
    const departments = new Set(DEPARTMENTS.map((d) => d.id));
    for (const d of city.devices) {
      expect(departments.has(d.departmentId)).toBe(true);
      expect(datasets.get(d.datasetId)?.departmentId).toBe(d.departmentId);
    }
  });

  it("has one meter per feeder and per renewable site, feeders along connected segments", () => {
    const { feeders, renewables, substations } = city.energy;
    expect(substations.length).toBeGreaterThan(5);
    expect(feeders.length).toBeGreaterThan(substations.length * 3);
    const meters = city.devices.filter((d) => d.kind === "feeder-meter");
    expect(meters.map((m) => (m.kind === "feeder-meter" ? m.feederId : "")).sort()).toEqual(feeders.map((f) => f.id).sort());
    const prod = city.devices.filter((d) => d.kind === "production-meter");
    expect(prod.map((m) => (m.kind === "production-meter" ? m.siteId : "")).sort()).toEqual(renewables.map((r) => r.id).sort());
    expect(renewables.some((r) => r.kind === "solar")).toBe(true);
    expect(renewables.some((r) => r.kind === "wind" && r.offshore)).toBe(true);
    const segs = new Map(city.network.segments.map((s) => [s.id, s]));
    const subs = new Map(substations.map((s) => [s.id, s]));
    for (const f of feeders) {
      expect(subs.has(f.substationId)).toBe(true);
      expect(f.geometry[0]).toEqual(subs.get(f.substationId)!.location);
      for (let i = 1; i < f.segmentIds.length; i++) {
        const a = segs.get(f.segmentIds[i - 1])!, b = segs.get(f.segmentIds[i])!;
        expect([a.from, a.to].some((n) => n === b.from || n === b.to)).toBe(true);
      }
    }
  });

  it("places cameras mostly at signalised intersections and stations at road nodes", () => {
    const nodes = new Map(city.network.nodes.map((n) => [n.id, n]));
    const cams = city.devices.filter((d) => d.kind === "camera");
    const atSignals = cams.filter((c) => c.kind === "camera" && c.nodeId && nodes.get(c.nodeId)?.signalised).length;
    expect(atSignals / cams.length).toBeGreaterThan(0.6);
    const stations = [...city.safety.policeStations, ...city.safety.fireStations];
    expect(city.safety.policeStations.length).toBeGreaterThanOrEqual(6);
    expect(city.safety.fireStations.length).toBeGreaterThanOrEqual(6);
    for (const s of stations) {
      expect(nodes.get(s.nodeId)?.location).toEqual(s.location);
      expect(s.nameZh.length).toBeGreaterThan(2);
    }
    expect(new Set(stations.map((s) => s.nameZh)).size).toBe(stations.length);
  });
});

describe("size", () => {
  it("scales the city", () => {
    const small = generateCity({ size: 0.3 });
    const big = generateCity({ size: 3 });
    expect(small.network.segments.length).toBeLessThan(city.network.segments.length * 0.5);
    expect(big.network.segments.length).toBeGreaterThan(city.network.segments.length * 2.3);
    expect(connectedComponents(big.network).length).toBe(1);
  });

  it("reaches the benchmark's 50,000 segments and 200,000 point features at size 10", () => {
    const bench = generateCity({ size: 10 });
    expect(bench.stats.segments).toBeGreaterThanOrEqual(50000);
    expect(bench.stats.pointFeatures).toBeGreaterThanOrEqual(200000);
  }, 60_000);

  it("refuses impossible options with a clear error", () => {
    expect(() => generateCity({ size: 0 })).toThrow(/size/);
    expect(() => generateCity({ size: Number.NaN })).toThrow(/size/);
    expect(() => generateCity({ center: [200, 0] })).toThrow(/center/);
    expect(() => generateCity({ poiDensity: -1 })).toThrow(/poiDensity/);
  });

  it("moves the city to another centre", () => {
    const moved = generateCity({ center: [120.38, 36.07], nameZh: "青岛", nameEn: "Qingdao" });
    expect(moved.nameEn).toBe("Qingdao");
    expect(moved.bbox[0]).toBeLessThan(120.38);
    expect(moved.bbox[2]).toBeGreaterThan(120.38);
    expect(moved.network.segments.length).toBe(city.network.segments.length);
  });
});
