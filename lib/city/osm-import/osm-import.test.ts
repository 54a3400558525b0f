// The OpenStreetMap import over the synthetic extracts in ./fixtures (made by
// scripts/dev/make-osm-fixture.ts; synthetic data, no OpenStreetMap content).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { createSimulator } from "../../sim/simulator";
import { parseCityModel } from "../city-file";
import { pointInRing } from "../geo";
import type { CityModel } from "../types";
import { OsmReadError, importOsmFile, namesOf, onewayOf, parseLanes, parseMaxspeed, parseOutputMw, type ImportResult } from ".";
import { makeOsmFixture, fixtureToPbf } from "../../../scripts/dev/osm-fixture";

const FIX = path.join(import.meta.dirname, "fixtures");
const XML = path.join(FIX, "haiyang-bay.osm");
const PBF = path.join(FIX, "haiyang-bay.osm.pbf");
const NO_ADMIN = path.join(FIX, "no-admin.osm.pbf");
// tsx scripts/dev/make-osm-fixture.ts lib/city/osm-import/fixtures/renewables.osm.pbf --cols 12 --rows 10 --renewables
const RENEWABLES = path.join(FIX, "renewables.osm.pbf");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "osm-import-"));

const wayWithName = (city: CityModel, nameEn: string) => city.network.segments.find((s) => s.nameEn === nameEn)!;

describe("tag parsing", () => {
  it("reads names from name, name:zh and name:en, each falling back on the other", () => {
    expect(namesOf({ name: "胜利路", "name:en": "Shengli Road" })).toEqual({ nameZh: "胜利路", nameEn: "Shengli Road" });
    expect(namesOf({ "name:zh": "胜利街" })).toEqual({ nameZh: "胜利街", nameEn: "胜利街" });
    expect(namesOf({ name: "Harbour Road" })).toEqual({ nameZh: "Harbour Road", nameEn: "Harbour Road" });
    expect(namesOf({ name: "海港路", "name:zh": "海港路", "name:en": "Haigang Road" })).toEqual({ nameZh: "海港路", nameEn: "Haigang Road" });
    expect(namesOf({ highway: "residential" })).toEqual({});
  });
  it("reads maxspeed in km/h, mph and none, and refuses zone codes", () => {
    expect(parseMaxspeed("60")).toBe(60);
    expect(parseMaxspeed("40 km/h")).toBe(40);
    expect(parseMaxspeed("20 mph")).toBe(32);
    expect(parseMaxspeed("none")).toBe(120);
    expect(parseMaxspeed("CN:urban")).toBeUndefined();
    expect(parseMaxspeed("2")).toBeUndefined();
  });
  it("reads lanes and oneway (explicit, reversed, implied by motorway and roundabout)", () => {
    expect(parseLanes("4")).toBe(4);
    expect(parseLanes("2;3")).toBeUndefined();
    expect(onewayOf({ oneway: "yes" }, "residential")).toBe(1);
    expect(onewayOf({ oneway: "-1" }, "residential")).toBe(-1);
    expect(onewayOf({}, "motorway")).toBe(1);
    expect(onewayOf({ junction: "roundabout" }, "tertiary")).toBe(1);
    expect(onewayOf({ oneway: "no" }, "motorway")).toBe(0);
    expect(onewayOf({}, "primary")).toBe(0);
  });
});

describe("importing a city", () => {
  let xml: ImportResult, pbf: ImportResult, noAdmin: ImportResult;
  beforeAll(async () => {
    [xml, pbf, noAdmin] = await Promise.all([importOsmFile(XML), importOsmFile(PBF), importOsmFile(NO_ADMIN)]);
  });

  it("reads every node, way and relation and counts what it built", () => {
    const r = pbf.report;
    expect(pbf.format).toBe("pbf");
    expect(xml.format).toBe("xml");
    expect([r.nodesRead, r.waysRead, r.relationsRead]).toEqual([474, 111, 4]);
    expect(r.segments).toBe(pbf.model.network.segments.length);
    expect(r.segments).toBeGreaterThan(700);
    expect(r.intersections).toBe(pbf.model.network.nodes.filter((n) => n.degree >= 3).length);
    expect(r.skipped["highway=footway (not a road for motor vehicles)"]).toBe(4);
    expect(r.skipped["highway=construction (not open to traffic)"]).toBe(1);
    expect(r.skipped["police more than 3 km from any road"]).toBe(1);
  });

  it("gives the same model from XML and PBF of the same data", () => {
    const strip = (m: CityModel) => JSON.stringify({ ...m, source: undefined });
    expect(strip(xml.model)).toBe(strip(pbf.model));
  });

  it("classes roads from highway=* and leaves out paths", () => {
    const m = pbf.model;
    const cls = (name: string) => wayWithName(m, name).class;
    expect(cls("Shenhai Expressway")).toBe("expressway"); // trunk
    expect(cls("Rongwu Expressway")).toBe("expressway"); // motorway
    expect(cls("Wenhua Road")).toBe("arterial"); // primary
    expect(m.network.segments.some((s) => s.class === "collector" && s.nameEn?.endsWith("Street"))).toBe(true); // tertiary
    expect(m.network.segments.filter((s) => s.class === "local").length).toBeGreaterThan(300);
    // Streets are cut at every junction: each segment ends at graph nodes that exist.
    const nodes = new Set(m.network.nodes.map((n) => n.id));
    expect(m.network.segments.every((s) => nodes.has(s.from) && nodes.has(s.to) && s.from !== s.to)).toBe(true);
  });

  it("keeps Chinese and English names", () => {
    const s = wayWithName(pbf.model, "Wenhua Road");
    expect(s.nameZh).toBe("文化路");
    const road = pbf.model.network.roads.find((r) => r.id === s.roadId)!;
    expect([road.nameZh, road.nameEn]).toEqual(["文化路", "Wenhua Road"]);
    // A street drawn in several ways is one road.
    expect(new Set(pbf.model.network.segments.filter((x) => x.nameEn === "Wenhua Road" && x.class === "arterial").map((x) => x.roadId)).size).toBe(1);
  });

  it("keeps oneway (reversing oneway=-1 so traffic flows from `from` to `to`), lanes and maxspeed", () => {
    const m = pbf.model;
    const trunk = wayWithName(m, "Shenhai Expressway");
    expect([trunk.lanes, trunk.freeFlowKmh, trunk.oneway]).toEqual([6, 100, undefined]);
    expect(trunk.capacityVehH).toBe(6 * 1800);
    const lane = m.network.segments.filter((s) => s.nameEn?.endsWith("Lane"));
    expect(lane.length).toBeGreaterThan(0);
    expect(lane.every((s) => s.oneway === true && s.freeFlowKmh === 32 && s.lanes === 1)).toBe(true);
    // oneway=-1 ways run west to east in the file; their segments run east to west.
    const reversed = lane.filter((s) => s.geometry[0][0] > s.geometry[s.geometry.length - 1][0]);
    const forward = lane.filter((s) => s.geometry[0][0] < s.geometry[s.geometry.length - 1][0]);
    expect(reversed.length).toBeGreaterThan(0);
    expect(forward.length).toBeGreaterThan(0);
    expect(wayWithName(m, "Rongwu Expressway").oneway).toBe(true);
    expect(wayWithName(m, "Xingguang Roundabout").oneway).toBe(true);
    // maxspeed=CN:urban falls back on the class default and is reported.
    expect(pbf.report.skipped["maxspeed=CN:urban (not a number: the class default used)"]).toBeGreaterThan(0);
  });

  it("marks signals and major intersections, and places cameras at them and sensors on major roads", () => {
    const m = pbf.model;
    const signalised = new Set(m.network.nodes.filter((n) => n.signalised).map((n) => n.id));
    expect(signalised.size).toBeGreaterThan(5);
    const cams = m.devices.filter((d) => d.kind === "camera");
    expect(cams.filter((c) => c.nodeId && signalised.has(c.nodeId)).length).toBeGreaterThan(signalised.size / 2);
    const segs = new Map(m.network.segments.map((s) => [s.id, s]));
    const sensors = m.devices.filter((d) => d.kind === "traffic-sensor");
    const share = (cls: string) => sensors.filter((d) => segs.get(d.segmentId)!.class === cls).length / m.network.segments.filter((s) => s.class === cls).length;
    expect(share("arterial")).toBeGreaterThan(share("local") * 3);
    expect(sensors.every((d) => segs.has(d.segmentId))).toBe(true);
  });

  it("takes districts from administrative boundaries at the coarsest level with two or more", () => {
    const m = pbf.model;
    expect(m.source?.districts).toBe("admin-boundaries");
    expect(m.districts.map((d) => [d.id, d.nameZh, d.nameEn])).toEqual([
      ["osm-r9000", "福山区", "Fushan District"], ["osm-r9001", "芝罘区", "Zhifu District"], ["osm-r9002", "莱山区", "Laishan District"],
    ]);
    expect(pbf.report.skipped["administrative boundaries of admin_level=5 (districts use admin_level=6)"]).toBe(1);
    // Every segment lies in the district it names.
    for (const s of m.network.segments.filter((_, i) => i % 17 === 0)) {
      const d = m.districts.find((x) => x.id === s.districtId)!;
      expect(pointInRing(s.geometry[Math.floor(s.geometry.length / 2)], d.polygon[0])).toBe(true);
    }
  });

  it("generates districts over the real extent when the file has no boundaries", () => {
    const m = noAdmin.model;
    expect(m.source?.districts).toBe("generated");
    expect(m.districts.map((d) => d.nameEn)).toEqual([
      "Northwest District", "North District", "Northeast District", "Southwest District", "South District", "Southeast District",
    ]);
    const [w, s, e, n] = m.bbox;
    const roads = m.network.nodes.map((x) => x.location);
    expect(Math.min(...roads.map((p) => p[0]))).toBeCloseTo(w, 5);
    expect(Math.max(...roads.map((p) => p[1]))).toBeCloseTo(n, 5);
    expect(e).toBeGreaterThan(w);
    expect(n).toBeGreaterThan(s);
  });

  it("imports police, fire and hospitals, water, coastline, parks, land use, substations and power lines", () => {
    const m = pbf.model;
    expect(m.safety.policeStations.map((p) => p.nameEn).sort()).toEqual(["Harbour Police Station", "Zhifu Police Bureau"]);
    expect(m.safety.fireStations.map((p) => p.nameZh)).toEqual(["港城消防救援站"]);
    expect(m.pois.filter((p) => p.category === "hospital").map((p) => p.nameEn).sort()).toEqual(["Yantaishan Hospital", "Yuhuangding Hospital"]);
    expect(m.pois.some((p) => p.category === "school")).toBe(true);
    expect(m.waters.coastline.length).toBeGreaterThan(10);
    expect(m.waters.sea[0].length).toBeGreaterThan(10);
    expect(m.waters.seaNameEn).toBe("Yellow Sea");
    expect(m.waters.rivers.map((r) => r.nameEn).sort()).toEqual(["Jia River", "Moon Lake"]);
    expect(m.parks.map((p) => p.nameZh)).toEqual(["毓璜顶公园"]);
    expect(m.landUse?.map((l) => l.kind).sort()).toEqual(["industrial", "residential"]);
    expect(m.energy.substations.map((s) => [s.nameEn, s.voltageKv])).toEqual([["Xishan Substation", 110], ["220 kV Substation 2", 220]]);
    expect(m.energy.powerLines?.map((l) => [l.voltageKv, l.minor])).toEqual([[110, false], [10, true]]);
    // No power=plant or power=generator in this file: no renewable sites (fixtures/renewables.osm.pbf has them).
    expect(m.energy.renewables).toEqual([]);
    // Feeders run out from the imported substations, each with its meter.
    expect(m.energy.feeders.length).toBeGreaterThan(5);
    expect(new Set(m.energy.feeders.map((f) => f.substationId))).toEqual(new Set(m.energy.substations.map((s) => s.id)));
    expect(m.devices.filter((d) => d.kind === "feeder-meter").length).toBe(m.energy.feeders.length);
    expect(m.devices.filter((d) => d.kind === "dispatch-terminal").length).toBe(2);
    expect(m.source?.attribution).toBe("© OpenStreetMap contributors, ODbL");
  });

  it("generates stations and substations the file lacks, and says so", () => {
    const r = noAdmin.report;
    expect(r.substations).toBeGreaterThan(0);
    expect(r.skipped["no power=substation in the file: substations placed at major junctions"]).toBe(r.substations);
    expect(r.skipped["no amenity=police in the file: one generated per district"]).toBe(6);
    expect(noAdmin.model.safety.policeStations.map((p) => p.districtId)).toEqual(noAdmin.model.districts.map((d) => d.id));
    expect(noAdmin.model.devices.filter((d) => d.kind === "dispatch-terminal").length).toBe(6);
    expect(noAdmin.model.energy.feeders.length).toBeGreaterThan(0);
  });

  it("is a model the console accepts and the simulator runs on", () => {
    const text = JSON.stringify(pbf.model);
    expect(parseCityModel(text).stats).toEqual(pbf.model.stats);
    const sim = createSimulator({ city: pbf.model });
    const readings = sim.readingsAt(new Date("2026-06-01T08:00:00Z"));
    const datasets = new Set(readings.map((r) => r.dataset));
    expect(datasets).toEqual(new Set(["traffic.flow", "safety.cameras", "energy.load", ...(datasets.has("safety.incidents") ? ["safety.incidents"] : [])]));
    expect(readings.filter((r) => r.dataset === "traffic.flow").length).toBe(pbf.model.stats.trafficSensors);
  });
});

describe("renewable sites from power=plant and power=generator", () => {
  let ren: ImportResult;
  beforeAll(async () => {
    ren = await importOsmFile(RENEWABLES);
  });

  it("reads an output tag in W, kW, MW or GW, and not yes", () => {
    expect(parseOutputMw("48 MW")).toBe(48);
    expect(parseOutputMw("3000 kW")).toBe(3);
    expect(parseOutputMw("1.5MW")).toBe(1.5);
    expect(parseOutputMw("0,8 GW")).toBe(800);
    expect(parseOutputMw("5 kWp")).toBe(0.005);
    expect(parseOutputMw("yes")).toBeUndefined();
    expect(parseOutputMw(undefined)).toBeUndefined();
  });

  it("imports wind, solar and hydro plants with their capacity, a generator inside a plant as part of it, and says what it left out", () => {
    const m = ren.model;
    const sites = m.energy.renewables.map((r) => [r.kind, r.nameEn, r.capacityMw]);
    expect(sites).toEqual([
      ["solar", "Solar Plant 1", 20],
      ["hydro", "Jia River Hydro Plant", 8],
      ["wind", "Wind Turbine 1", 2],
      ["wind", "Haiyang Wind Farm", 48],
      ["wind", "Wind Farm 1", 6],
      ["solar", "Laishan Solar Plant", 12.5],
    ]);
    // The fixture's file is what the generator makes from the same options.
    expect(fixtureToPbf(makeOsmFixture({ cols: 12, rows: 10, renewables: true })).equals(fs.readFileSync(RENEWABLES))).toBe(true);
    const farm = m.energy.renewables.find((r) => r.nameEn === "Haiyang Wind Farm")!;
    expect(farm.nameZh).toBe("海阳风电场");
    expect(farm.polygon[0].length).toBe(5);
    expect(pointInRing(farm.location, farm.polygon[0])).toBe(true);
    expect(ren.report.renewables).toBe(6);
    expect(ren.report.renewableMw).toBe(96.5);
    expect(ren.report.skipped).toMatchObject({
      "power=generator inside a power=plant of its source (counted with the plant)": 5,
      "power=generator (wind) with no output tagged: 2 MW assumed": 1,
      "power=plant (solar) with no output tagged: 20 MW assumed": 1,
      "power=generator (solar) outside any plant with less than 1 MW tagged (rooftop or small): left out": 1,
      "power=plant with plant:source=coal (not wind, solar or hydro)": 1,
    });
  });

  it("gives each site a production meter, and the simulator reports its production", () => {
    const m = ren.model;
    expect(parseCityModel(JSON.stringify(m)).energy.renewables.length).toBe(6);
    const meters = m.devices.filter((d) => d.kind === "production-meter");
    expect(meters.map((d) => (d.kind === "production-meter" ? d.siteId : "")).sort()).toEqual(m.energy.renewables.map((r) => r.id).sort());
    const sim = createSimulator({ city: m });
    const at = sim.readingsAt(new Date("2026-06-01T04:00:00Z")).filter((r) => r.values.meter === "production");
    expect(at.length).toBe(6);
    const bySite = new Map(meters.map((d) => [d.id, m.energy.renewables.find((r) => d.kind === "production-meter" && r.id === d.siteId)!]));
    for (const r of at) {
      const site = bySite.get(r.device)!;
      expect(r.values.source).toBe(site.kind);
      expect(Number(r.values.productionMw)).toBeGreaterThanOrEqual(0);
      expect(Number(r.values.productionMw)).toBeLessThanOrEqual(site.capacityMw);
    }
    // Noon in June: the solar plants produce, and the hydro plant runs.
    expect(at.filter((r) => r.values.source !== "wind").every((r) => Number(r.values.productionMw) > 0)).toBe(true);
  });

  it("writes the same model for the same file, byte for byte", async () => {
    const again = await importOsmFile(RENEWABLES);
    expect(JSON.stringify(again.model)).toBe(JSON.stringify(ren.model));
  });
});

describe("determinism and refusal", () => {
  it("writes the same model for the same file, byte for byte, through the CLI", () => {
    const run = (out: string) => execFileSync("npx", ["tsx", "scripts/city-import.ts", PBF, "--out", out], { cwd: path.resolve(FIX, "../../../.."), encoding: "utf8" });
    const a = path.join(tmp, "a.json"), b = path.join(tmp, "b.json");
    const log = run(a);
    run(b);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    expect(log).toMatch(/474 nodes, 111 ways, 4 relations/);
    expect(log).toMatch(/segments, \d+ intersections/);
    expect(log).toMatch(/highway=footway \(not a road for motor vehicles\)/);
    expect(log).toMatch(/peak RSS \d+ MiB/);
  }, 60_000);

  it("reads gzip and bzip2 XML to the same model", async () => {
    const gz = path.join(tmp, "c.osm.gz"), bz = path.join(tmp, "c.osm.bz2");
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(XML)));
    execFileSync("sh", ["-c", `bzip2 -c '${XML}' > '${bz}'`]);
    const [a, b, c] = await Promise.all([importOsmFile(XML), importOsmFile(gz), importOsmFile(bz)]);
    expect([b.format, c.format]).toEqual(["xml.gz", "xml.bz2"]);
    const strip = (m: CityModel) => JSON.stringify({ ...m, source: undefined });
    expect(strip(b.model)).toBe(strip(a.model));
    expect(strip(c.model)).toBe(strip(a.model));
  });

  it("refuses a corrupt or truncated file with the reason", async () => {
    const cut = path.join(tmp, "cut.osm.pbf");
    fs.writeFileSync(cut, fs.readFileSync(PBF).subarray(0, 2000));
    await expect(importOsmFile(cut)).rejects.toThrow(/cut\.osm\.pbf is not readable OSM PBF: a block is truncated or corrupt/);
    const flipped = Buffer.from(fs.readFileSync(PBF));
    for (let i = 200; i < 400; i++) flipped[i] ^= 0x5a;
    const bad = path.join(tmp, "bad.osm.pbf");
    fs.writeFileSync(bad, flipped);
    await expect(importOsmFile(bad)).rejects.toBeInstanceOf(OsmReadError);
    const xmlCut = path.join(tmp, "cut.osm");
    fs.writeFileSync(xmlCut, fs.readFileSync(XML, "utf8").slice(0, 5000));
    await expect(importOsmFile(xmlCut)).rejects.toThrow(/cut\.osm is not readable OSM XML: .*unclosed tag/);
    const junk = path.join(tmp, "junk.osm.pbf");
    fs.writeFileSync(junk, "PK\x03\x04 not osm");
    await expect(importOsmFile(junk)).rejects.toThrow(/neither OSM XML .* nor OSM PBF/);
    const noRoads = path.join(tmp, "empty.osm");
    fs.writeFileSync(noRoads, '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="1" lon="2"/></osm>');
    await expect(importOsmFile(noRoads)).rejects.toThrow(/no roads for motor vehicles/);
  });

  it("exits with code 2 and one line naming the reason", () => {
    const junk = path.join(tmp, "junk2.osm");
    fs.writeFileSync(junk, "<html><body>not osm</body></html>");
    let err: { status: number; stderr: string } | null = null;
    try {
      execFileSync("npx", ["tsx", "scripts/city-import.ts", junk, "--out", path.join(tmp, "x.json")], { cwd: path.resolve(FIX, "../../../.."), encoding: "utf8", stdio: "pipe" });
    } catch (e) {
      err = e as { status: number; stderr: string };
    }
    expect(err?.status).toBe(2);
    expect(err?.stderr.trim()).toMatch(/^city:import: .*junk2\.osm is not readable OSM XML: line 1: the root element is <html>, not <osm>$/);
    expect(fs.existsSync(path.join(tmp, "x.json"))).toBe(false);
  }, 60_000);
});
