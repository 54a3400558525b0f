/**
 * Builds the console's city model from OpenStreetMap elements: the road graph (class, names,
 * oneway, lanes, maxspeed), water and coastline, parks and land use, districts from
 * administrative boundaries (or generated over the real extent), police, fire and hospital
 * points, substations and power lines; then the generator's own feeder and device placement
 * over the imported network. Pure and deterministic: the same elements give the same model.
 */
import crypto from "node:crypto";
import { buildDevices } from "../devices";
import { buildFeeders } from "../energy";
import { bboxOf, makeProjection, pointInRing, polylineLengthM, ringCentroid, round6, roundTo, type XY } from "../geo";
import { IMPORTED_SEED_PREFIX } from "../imported";
import type { Landform } from "../landform";
import { LANE_CAPACITY_VEH_H, type NetworkBuild } from "../network";
import { createPlacementContext } from "../placement-context";
import { Rng } from "../random";
import type {
  BBox, CityModel, District, DistrictId, LandUseArea, LandUseKind, LonLat, Park, Poi, PoiCategory, PowerLine,
  RenewableKind, RenewableSite, River, Road, RoadClass, RoadNode, RoadSegment, SafetyStation, Substation,
} from "../types";
import { bufferLine, closedRings, joinLines, ringAreaM2, seaPolygon } from "./geometry";
import type { OsmElement, OsmRelation, OsmTags } from "./read-osm";

/** What the import read, built and left out (with why). */
export interface ImportReport {
  nodesRead: number;
  waysRead: number;
  relationsRead: number;
  roadWays: number;
  segments: number;
  intersections: number;
  roadLengthKm: number;
  districts: number;
  districtSource: "admin-boundaries" | "generated";
  pois: number;
  policeStations: number;
  fireStations: number;
  hospitals: number;
  substations: number;
  powerLines: number;
  /** Renewable sites (wind, solar, hydro) and their capacity in MW. */
  renewables: number;
  renewableMw: number;
  feeders: number;
  devices: number;
  rivers: number;
  parks: number;
  landUse: number;
  coastline: boolean;
  /** Reason → count of what was left out or generated. */
  skipped: Record<string, number>;
}

/** Collects elements as they are read, keeping only what the model needs. */
export class OsmCollector {
  readonly nodeIndex = new Map<number, number>();
  readonly lon: number[] = [];
  readonly lat: number[] = [];
  readonly taggedNodes: { id: number; tags: OsmTags }[] = [];
  readonly ways: { id: number; refs: number[]; tags?: OsmTags }[] = [];
  readonly relations: OsmRelation[] = [];
  counts = { nodes: 0, ways: 0, relations: 0 };

  add = (e: OsmElement): void => {
    if (e.type === "node") {
      this.counts.nodes++;
      this.nodeIndex.set(e.id, this.lon.length);
      this.lon.push(e.lon);
      this.lat.push(e.lat);
      if (e.tags) this.taggedNodes.push({ id: e.id, tags: e.tags });
    } else if (e.type === "way") {
      this.counts.ways++;
      this.ways.push({ id: e.id, refs: e.refs, tags: e.tags });
    } else {
      this.counts.relations++;
      const t = e.tags;
      if (t && (t.boundary === "administrative" || t.type === "multipolygon")) this.relations.push(e);
    }
  };
}

/** Options of the build. */
export interface BuildOptions {
  /** Base name of the file (kept in the model's source). */
  file: string;
  sha256: string;
  nameZh?: string;
  nameEn?: string;
}

/** An input the import cannot make a city of (e.g. no roads); exit code 2 like a bad file. */
export class OsmModelError extends Error {}

const HIGHWAY_CLASS: Readonly<Record<string, RoadClass>> = {
  motorway: "expressway", motorway_link: "expressway", trunk: "expressway", trunk_link: "expressway",
  primary: "arterial", primary_link: "arterial", secondary: "arterial", secondary_link: "arterial",
  tertiary: "collector", tertiary_link: "collector",
  residential: "local", unclassified: "local", living_street: "local", road: "local",
};
const NOT_FOR_CARS = new Set([
  "footway", "path", "cycleway", "steps", "pedestrian", "track", "bridleway", "corridor", "elevator", "platform",
  "service", "busway", "bus_guideway", "raceway", "escape", "via_ferrata", "sidewalk", "crossing",
]);
const PLANNED = new Set(["construction", "proposed", "abandoned", "disused", "razed"]);
const DEFAULT_LANES: Readonly<Record<RoadClass, number>> = { expressway: 6, arterial: 4, collector: 2, local: 2 };
const DEFAULT_KMH: Readonly<Record<RoadClass, number>> = { expressway: 80, arterial: 60, collector: 50, local: 30 };

const CJK = /[\u3400-\u9fff]/;

/** Chinese and English names from `name`, `name:zh` and `name:en` (either falls back on the other). */
export function namesOf(t: OsmTags | undefined): { nameZh?: string; nameEn?: string } {
  if (!t) return {};
  const name = t.name?.trim() || undefined;
  const zh = (t["name:zh"] ?? t["name:zh-Hans"])?.trim() || (name && CJK.test(name) ? name : undefined);
  const en = t["name:en"]?.trim() || (name && !CJK.test(name) ? name : undefined);
  const nameZh = zh ?? en, nameEn = en ?? zh;
  return nameZh ? { nameZh, nameEn } : {};
}

/** Speed in km/h from an OSM `maxspeed` value ("50", "50 km/h", "30 mph", "none"); undefined if unusable. */
export function parseMaxspeed(v: string | undefined): number | undefined {
  if (!v) return undefined;
  const s = v.trim().toLowerCase();
  if (s === "none") return 120;
  const m = /^(\d+(?:\.\d+)?)\s*(km\/h|kmh|kph|mph|knots)?$/.exec(s);
  if (!m) return undefined;
  const x = Number(m[1]) * (m[2] === "mph" ? 1.609344 : m[2] === "knots" ? 1.852 : 1);
  return x >= 5 && x <= 200 ? Math.round(x) : undefined;
}

/** Lanes over both directions from `lanes` (an integer 1..16), or undefined. */
export function parseLanes(v: string | undefined): number | undefined {
  if (!v || !/^\d+$/.test(v.trim())) return undefined;
  const n = Number(v);
  return n >= 1 && n <= 16 ? n : undefined;
}

/** Direction of a road way: 1 forward only, -1 backward only, 0 both. */
export function onewayOf(t: OsmTags, highway: string): 1 | -1 | 0 {
  const o = t.oneway?.trim().toLowerCase();
  if (o === "-1" || o === "reverse") return -1;
  if (o === "yes" || o === "true" || o === "1") return 1;
  if (o === "no" || o === "false" || o === "0") return 0;
  if (highway === "motorway" || highway === "motorway_link" || t.junction === "roundabout" || t.junction === "circular") return 1;
  return 0;
}

/** Highest voltage in kV from a `voltage` tag ("110000;10000"), 0 if none. */
function voltageKv(v: string | undefined): number {
  if (!v) return 0;
  const vs = v.split(/[;,]/).map((x) => Number(x.trim())).filter((x) => Number.isFinite(x) && x > 0);
  return vs.length ? Math.max(...vs) / 1000 : 0;
}

const POI_OF = (t: OsmTags): PoiCategory | null => {
  const a = t.amenity;
  if (a === "hospital") return "hospital";
  if (a === "school" || a === "university" || a === "college" || a === "kindergarten") return "school";
  if (a === "bank") return "bank";
  if (a === "pharmacy") return "pharmacy";
  if (a === "restaurant" || a === "fast_food" || a === "cafe") return "restaurant";
  if (a === "parking") return "parking";
  if (t.highway === "bus_stop" || t.public_transport === "platform") return "bus-stop";
  if (t.tourism === "hotel") return "hotel";
  if (t.shop) return "shop";
  if (t.office) return "office";
  if (t.man_made === "works") return "factory";
  return null;
};

const LANDUSE: Readonly<Record<string, LandUseKind>> = {
  residential: "residential", commercial: "commercial", retail: "retail", industrial: "industrial",
  farmland: "farmland", farmyard: "farmland", orchard: "farmland", forest: "forest", grass: "grass", meadow: "grass",
};

/** Builds the city model from the collected elements. Throws OsmModelError when no city can be made. */
export function buildCityFromOsm(c: OsmCollector, options: BuildOptions): { model: CityModel; report: ImportReport } {
  const skipped = new Map<string, number>();
  const skip = (reason: string, n = 1) => skipped.set(reason, (skipped.get(reason) ?? 0) + n);
  const at = (id: number): LonLat | null => {
    const i = c.nodeIndex.get(id);
    return i === undefined ? null : [round6(c.lon[i]), round6(c.lat[i])];
  };
  const lineOf = (refs: readonly number[]): LonLat[] => {
    const out: LonLat[] = [];
    for (const r of refs) {
      const p = at(r);
      if (p) out.push(p);
    }
    return out;
  };

  // ---- Road ways: the longest run of nodes present in the file ----
  type RoadWay = { id: number; refs: number[]; cls: RoadClass; tags: OsmTags; highway: string };
  const roadWays: RoadWay[] = [];
  const otherWays: typeof c.ways = [];
  for (const w of c.ways) {
    const hw = w.tags?.highway;
    if (hw === undefined) { otherWays.push(w); continue; }
    const cls = HIGHWAY_CLASS[hw];
    if (!cls) {
      if (NOT_FOR_CARS.has(hw)) skip(`highway=${hw} (not a road for motor vehicles)`);
      else if (PLANNED.has(hw)) skip(`highway=${hw} (not open to traffic)`);
      else skip(`highway=${hw} (not a road class the import knows)`);
      otherWays.push(w);
      continue;
    }
    if (w.tags!.area === "yes") { skip(`highway=${hw} area=yes (an area, not a road)`); continue; }
    if (w.tags!.access === "no" || w.tags!.access === "private") { skip(`highway=${hw} access=${w.tags!.access}`); continue; }
    let best: number[] = [], run: number[] = [];
    for (const r of w.refs) {
      if (c.nodeIndex.has(r)) run.push(r);
      else { if (run.length > best.length) best = run; run = []; }
    }
    if (run.length > best.length) best = run;
    if (best.length < w.refs.length) skip("road way cut at nodes missing from the file (kept its longest part)");
    if (best.length < 2) { skip("road way with fewer than 2 of its nodes in the file"); continue; }
    roadWays.push({ id: w.id, refs: best, cls, tags: w.tags!, highway: hw });
  }
  if (roadWays.length === 0) throw new OsmModelError("the file has no roads for motor vehicles (highway=motorway … residential)");
  roadWays.sort((a, b) => a.id - b.id);

  // ---- Graph nodes: ends of ways and nodes shared by ways ----
  const use = new Map<number, number>();
  for (const w of roadWays) for (const r of w.refs) use.set(r, (use.get(r) ?? 0) + 1);
  const isGraphNode = (w: RoadWay, k: number) => k === 0 || k === w.refs.length - 1 || use.get(w.refs[k])! > 1;

  const signalNodes = new Set<number>();
  for (const n of c.taggedNodes) if (n.tags.highway === "traffic_signals") signalNodes.add(n.id);

  const extent = bboxOf(roadWays.flatMap((w) => [at(w.refs[0])!, at(w.refs[w.refs.length - 1])!]));
  for (const w of roadWays) for (const r of w.refs) {
    const p = at(r)!;
    if (p[0] < extent[0]) extent[0] = p[0];
    if (p[1] < extent[1]) extent[1] = p[1];
    if (p[0] > extent[2]) extent[2] = p[0];
    if (p[1] > extent[3]) extent[3] = p[1];
  }
  const center: LonLat = [round6((extent[0] + extent[2]) / 2), round6((extent[1] + extent[3]) / 2)];
  const proj = makeProjection(center);

  // ---- Districts ----
  const { districts, source: districtSource } = buildDistricts(c, extent, at, skip);
  const districtAt = districtLocator(districts);

  // ---- Segments ----
  type Seg = { seg: RoadSegment; xy: XY[] };
  const segs: Seg[] = [];
  const graphIds = new Set<number>();
  const roadKey = new Map<string, string>();
  const roads = new Map<string, Road>();
  for (const w of roadWays) {
    const names = namesOf(w.tags);
    const key = names.nameZh ? `${w.cls}|${names.nameZh}|${names.nameEn}` : `way|${w.id}`;
    let roadId = roadKey.get(key);
    if (!roadId) {
      roadId = `r-${w.id}`;
      roadKey.set(key, roadId);
      roads.set(roadId, { id: roadId, class: w.cls, ...names });
    }
    const dir = onewayOf(w.tags, w.highway);
    const refs = dir === -1 ? w.refs.slice().reverse() : w.refs;
    const tagged = parseLanes(w.tags.lanes);
    const lanes = tagged ?? (dir !== 0 ? Math.max(1, DEFAULT_LANES[w.cls] / 2) : DEFAULT_LANES[w.cls]);
    const kmh = parseMaxspeed(w.tags.maxspeed) ?? DEFAULT_KMH[w.cls];
    if (w.tags.maxspeed && parseMaxspeed(w.tags.maxspeed) === undefined) skip(`maxspeed=${w.tags.maxspeed} (not a number: the class default used)`);
    const bridge = w.tags.bridge !== undefined && w.tags.bridge !== "no";
    // Cut points: graph nodes; a closed way is also cut at its middle so no segment starts and ends at one node.
    const cuts: number[] = [];
    refs.forEach((_, k) => { if (isGraphNode(dir === -1 ? { ...w, refs } : w, k)) cuts.push(k); });
    if (refs[0] === refs[refs.length - 1] && cuts.length === 2 && refs.length > 3) cuts.splice(1, 0, Math.floor((refs.length - 1) / 2));
    for (let j = 0; j + 1 < cuts.length; j++) {
      const part = refs.slice(cuts[j], cuts[j + 1] + 1);
      if (part[0] === part[part.length - 1] && part.length <= 2) { skip("road segment from a node to itself"); continue; }
      const geometry = part.map((r) => at(r)!);
      const xy = geometry.map((p) => proj.toXY(p));
      const mid = geometry[Math.floor(geometry.length / 2)];
      graphIds.add(part[0]);
      graphIds.add(part[part.length - 1]);
      const seg: RoadSegment = {
        id: `s-${w.id}-${j + 1}`,
        roadId,
        class: w.cls,
        ...names,
        lanes,
        freeFlowKmh: kmh,
        capacityVehH: lanes * LANE_CAPACITY_VEH_H[w.cls],
        lengthM: roundTo(polylineLengthM(geometry), 1),
        from: `n-${part[0]}`,
        to: `n-${part[part.length - 1]}`,
        geometry,
        bridge,
        districtId: districtAt(mid),
        osmWayId: w.id,
      };
      if (dir !== 0) seg.oneway = true;
      segs.push({ seg, xy });
    }
  }

  const nodeOsmIds = [...graphIds].sort((a, b) => a - b);
  const degree = new Map<number, number>();
  const classesAt = new Map<number, RoadClass[]>();
  for (const { seg } of segs) {
    for (const id of [seg.from, seg.to]) {
      const n = Number(id.slice(2));
      degree.set(n, (degree.get(n) ?? 0) + 1);
      const list = classesAt.get(n) ?? [];
      list.push(seg.class);
      classesAt.set(n, list);
    }
  }
  const nodes: RoadNode[] = nodeOsmIds.map((id) => {
    const cls = classesAt.get(id)!;
    const major = cls.filter((k) => k !== "local" && k !== "collector").length;
    const hasExpressway = cls.includes("expressway"), hasArterial = cls.includes("arterial");
    const deg = degree.get(id)!;
    return {
      id: `n-${id}`,
      location: at(id)!,
      degree: deg,
      signalised: signalNodes.has(id) || (deg >= 3 && major >= 2 && hasArterial && !hasExpressway),
      interchange: hasExpressway && hasArterial,
    };
  });
  const network = { nodes, segments: segs.map((s) => s.seg), roads: [...roads.values()].sort((a, b) => Number(a.id.slice(2)) - Number(b.id.slice(2))) };
  const build: NetworkBuild = {
    network,
    segmentXY: segs.map((s) => s.xy),
    nodeXY: nodes.map((n) => proj.toXY(n.location)),
    roadNames: new Map(),
  };
  const intersections = nodes.filter((n) => n.degree >= 3).length;

  // ---- Placement context over the imported network ----
  const land = importedLand(proj, districtAt);
  const ctx = createPlacementContext(land, proj, build, [], []);
  const nearestNode = (p: LonLat, maxM: number, accept?: (i: number) => boolean) => {
    const [x, y] = proj.toXY(p);
    return ctx.nodeGrid.nearest(x, y, maxM, accept);
  };

  // ---- Points: tagged nodes and the centres of closed tagged ways ----
  type Feature = { key: string; tags: OsmTags; location: LonLat };
  const features: Feature[] = c.taggedNodes.map((n) => ({ key: `n${n.id}`, tags: n.tags, location: at(n.id)! }));
  const areaRings = new Map<number, LonLat[]>();
  for (const w of otherWays) {
    if (!w.tags || w.refs.length < 4 || w.refs[0] !== w.refs[w.refs.length - 1]) continue;
    const ring = lineOf(w.refs);
    if (ring.length < 4) continue;
    areaRings.set(w.id, ring);
    const t = w.tags;
    if (t.amenity || t.power === "substation" || t.shop || t.tourism || t.office || t.man_made) {
      const [lon, lat] = ringCentroid(ring);
      features.push({ key: `w${w.id}`, tags: t, location: [round6(lon), round6(lat)] });
    }
  }
  // Power plants and generators (nodes, closed ways, multipolygons) for the renewable sites, below.
  const powerSources: PowerSource[] = [];
  for (const n of c.taggedNodes) if (n.tags.power === "plant" || n.tags.power === "generator") powerSources.push({ key: `n${n.id}`, tags: n.tags, location: at(n.id)! });
  for (const w of otherWays) {
    const t = w.tags;
    const ring = areaRings.get(w.id);
    if (!t || !ring || (t.power !== "plant" && t.power !== "generator")) continue;
    powerSources.push({ key: `w${w.id}`, tags: t, location: centroidOf(ring), ring: orientRingCcw(ring) });
  }

  const police: SafetyStation[] = [], fire: SafetyStation[] = [], pois: Poi[] = [];
  const subsTagged: { f: Feature; kv: number }[] = [];
  for (const f of features) {
    const t = f.tags;
    const isPolice = t.amenity === "police", isFire = t.amenity === "fire_station";
    const isSub = t.power === "substation" && t.substation !== "minor_distribution";
    const cat = isPolice || isFire || isSub ? null : POI_OF(t);
    if (!isPolice && !isFire && !isSub && !cat) continue;
    const i = nearestNode(f.location, 3000);
    if (i < 0) { skip(`${isPolice ? "police" : isFire ? "fire station" : isSub ? "substation" : cat} more than 3 km from any road`); continue; }
    if (isSub) { subsTagged.push({ f, kv: voltageKv(t.voltage) }); continue; }
    const names = namesOf(t);
    if (isPolice || isFire) {
      const list = isPolice ? police : fire;
      list.push({
        id: `${isPolice ? "pol" : "fir"}-${f.key}`,
        kind: isPolice ? "police-station" : "fire-station",
        departmentId: isPolice ? "safety" : "emergency",
        nameZh: names.nameZh ?? (isPolice ? "派出所" : "消防救援站"),
        nameEn: names.nameEn ?? (isPolice ? "Police Station" : "Fire and Rescue Station"),
        location: f.location,
        nodeId: nodes[i].id,
        districtId: districtAt(f.location),
      });
      continue;
    }
    const poi: Poi = { id: `poi-${f.key}`, category: cat!, location: f.location, districtId: districtAt(f.location), segmentId: network.segments[ctx.incident[i][0]].id };
    if (names.nameZh) Object.assign(poi, names);
    pois.push(poi);
  }

  // Police and fire stations the file lacks: one of each per district, at the major junction nearest its label.
  const placeMissing = (list: SafetyStation[], kind: "police-station" | "fire-station") => {
    if (list.length > 0) return;
    for (const d of districts) {
      const i = nearestNode(d.labelPoint, 20_000, (k) => ctx.nodeClass[k] !== "local");
      if (i < 0) continue;
      const police = kind === "police-station";
      list.push({
        id: `${police ? "pol" : "fir"}-gen-${list.length + 1}`,
        kind,
        departmentId: police ? "safety" : "emergency",
        nameZh: `${d.nameZh}${police ? "派出所" : "消防救援站"}（生成）`,
        nameEn: `${d.nameEn} ${police ? "Police Station" : "Fire and Rescue Station"} (generated)`,
        location: nodes[i].location,
        nodeId: nodes[i].id,
        districtId: d.id,
      });
    }
    skip(`no amenity=${kind === "police-station" ? "police" : "fire_station"} in the file: one generated per district`, list.length);
  };
  placeMissing(police, "police-station");
  placeMissing(fire, "fire-station");
  const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  police.sort(byId);
  fire.sort(byId);
  pois.sort(byId);

  // ---- Energy: tagged substations (else placed at major junctions like the generator), feeders, power lines ----
  const substations: Substation[] = [];
  const subNodes: number[] = [];
  const subName = (n: number, kv: number) => ({ nameZh: `${n}号${kv}千伏变电站`, nameEn: `${kv} kV Substation ${n}` });
  subsTagged.sort((a, b) => (a.f.key < b.f.key ? -1 : 1)).forEach(({ f, kv }) => {
    const i = nearestNode(f.location, 3000, (k) => ctx.nodeClass[k] !== "expressway");
    if (i < 0) { skip("substation with no road but expressways within 3 km"); return; }
    const v: 110 | 220 = kv >= 200 ? 220 : 110;
    const names = namesOf(f.tags);
    substations.push({
      id: `sub-${f.key}`,
      ...subName(substations.length + 1, v),
      ...(names.nameZh ? { nameZh: names.nameZh, nameEn: names.nameEn! } : {}),
      voltageKv: v,
      capacityMw: v === 220 ? 240 : 80,
      location: f.location,
      nodeId: nodes[i].id,
      districtId: districtAt(f.location),
    });
    subNodes.push(i);
  });
  if (substations.length === 0) {
    const [x0, y0] = proj.toXY([extent[0], extent[1]]), [x1, y1] = proj.toXY([extent[2], extent[3]]);
    for (let y = y1 - 1300; y > y0; y -= 2600) {
      for (let x = x0 + 1300; x < x1; x += 2600) {
        const i = ctx.nodeGrid.nearest(x, y, 1300, (k) => {
          if (ctx.nodeClass[k] === "local" || ctx.nodeClass[k] === "expressway") return false;
          const p = build.nodeXY[k];
          return subNodes.every((s) => Math.hypot(build.nodeXY[s][0] - p[0], build.nodeXY[s][1] - p[1]) > 1600);
        });
        if (i < 0) continue;
        subNodes.push(i);
        const n = substations.length + 1;
        substations.push({
          id: `sub-gen-${String(n).padStart(3, "0")}`,
          nameZh: `${n}号110千伏变电站（生成）`, nameEn: `110 kV Substation ${n} (generated)`,
          voltageKv: 110, capacityMw: 80, location: nodes[i].location, nodeId: nodes[i].id, districtId: districtAt(nodes[i].location),
        });
      }
    }
    skip("no power=substation in the file: substations placed at major junctions", substations.length);
  }
  // Seeded by what was read, not by the file's bytes: the same data as XML or PBF gives the same city.
  const contentSeed = crypto.createHash("sha256").update(JSON.stringify([network, substations, police, fire])).digest("hex").slice(0, 16);
  const rng = new Rng(`osm:${contentSeed}`);
  const { feeders, xy: feederXY } = buildFeeders(ctx, rng.fork("feeders"), substations, subNodes);
  const powerLines: PowerLine[] = [];
  for (const w of otherWays) {
    const p = w.tags?.power;
    if (p !== "line" && p !== "minor_line") continue;
    const geometry = lineOf(w.refs);
    if (geometry.length < 2) { skip("power line with fewer than 2 nodes in the file"); continue; }
    powerLines.push({ id: `pwl-${w.id}`, voltageKv: voltageKv(w.tags!.voltage), minor: p === "minor_line", geometry });
  }

  // ---- Water, parks, land use ----
  const rivers: River[] = [];
  const parks: Park[] = [];
  const landUse: LandUseArea[] = [];
  const coastWays: LonLat[][] = [];
  const waterRing = (id: string, ring: LonLat[], t: OsmTags) => {
    const names = namesOf(t);
    const [lon, lat] = ringCentroid(ring);
    const c0: LonLat = [round6(lon), round6(lat)];
    rivers.push({ id, nameZh: names.nameZh ?? "水面", nameEn: names.nameEn ?? "Water", centerline: [c0, c0], polygon: [ring], widthM: 0 });
  };
  const areaOf = (id: string, ring: LonLat[], t: OsmTags) => {
    if (t.natural === "water" || t.waterway === "riverbank" || t.landuse === "reservoir" || t.landuse === "basin") waterRing(id, ring, t);
    else if (t.leisure === "park" || t.leisure === "garden" || t.leisure === "nature_reserve" || t.landuse === "recreation_ground" || t.landuse === "village_green") {
      const names = namesOf(t);
      parks.push({ id: `park-${id}`, nameZh: names.nameZh ?? "公园", nameEn: names.nameEn ?? "Park", districtId: districtAt(centroidOf(ring)), polygon: [ring] });
    } else if (t.landuse) {
      landUse.push({ id: `lu-${id}`, kind: LANDUSE[t.landuse] ?? "other", polygon: [ring] });
    } else if (t.natural === "wood") {
      landUse.push({ id: `lu-${id}`, kind: "forest", polygon: [ring] });
    } else return false;
    return true;
  };
  for (const w of otherWays) {
    const t = w.tags;
    if (!t) continue;
    if (t.natural === "coastline") { coastWays.push(lineOf(w.refs)); continue; }
    if (t.waterway === "river" || t.waterway === "canal") {
      const line = lineOf(w.refs);
      if (line.length < 2) { skip(`waterway=${t.waterway} with fewer than 2 nodes in the file`); continue; }
      const names = namesOf(t);
      const widthM = Math.min(500, Math.max(5, Number(t.width) || (t.waterway === "river" ? 30 : 12)));
      rivers.push({
        id: `river-w${w.id}`, nameZh: names.nameZh ?? (t.waterway === "river" ? "河流" : "水渠"), nameEn: names.nameEn ?? (t.waterway === "river" ? "River" : "Canal"),
        centerline: line, polygon: [bufferLine(line, widthM)], widthM,
      });
      continue;
    }
    const ring = areaRings.get(w.id);
    if (ring && areaOf(`w${w.id}`, orientRingCcw(ring), t)) continue;
    if (!t.highway && !t.power && !t.amenity && !t.boundary) skip("way with no tag the import uses (buildings, barriers, …)");
  }
  const waysById = new Map(c.ways.map((w) => [w.id, w]));
  for (const r of c.relations) {
    if (r.tags?.type !== "multipolygon" || r.tags.boundary) continue;
    const outer = r.members.filter((m) => m.type === "way" && (m.role === "outer" || m.role === "")).map((m) => waysById.get(m.ref)).filter((w) => w !== undefined);
    const { rings } = closedRings(outer.map((w) => lineOf(w.refs)));
    if (rings.length === 0) { skip("multipolygon relation whose outer ring is not closed in the file"); continue; }
    const largest = rings.reduce((a, b) => (ringAreaM2(b) > ringAreaM2(a) ? b : a));
    if (r.tags.power === "plant" || r.tags.power === "generator") {
      powerSources.push({ key: `r${r.id}`, tags: r.tags, location: centroidOf(largest), ring: largest });
      continue;
    }
    if (!areaOf(`r${r.id}`, largest, r.tags)) skip("multipolygon relation with no tag the import uses");
  }
  rivers.sort(byId);
  parks.sort(byId);
  landUse.sort(byId);

  const coastChains = joinLines(coastWays.filter((l) => l.length >= 2), true);
  const coastline = coastChains.reduce<LonLat[]>((a, b) => (b.length > a.length ? b : a), []);
  if (coastChains.length > 1) skip("coastline pieces apart from the longest", coastChains.length - 1);
  const pad = 0.05;
  const seaBox: BBox = [extent[0] - pad, extent[1] - pad, extent[2] + pad, extent[3] + pad];
  const sea = coastline.length >= 2 ? seaPolygon(coastline, seaBox) : null;
  const seaName = c.taggedNodes.find((n) => n.tags.place === "sea" || n.tags.place === "ocean");
  const seaNames = namesOf(seaName?.tags);

  // ---- Renewable sites: tagged wind, solar and hydro plants and generators ----
  const renewables = buildRenewableSites(powerSources, sea, proj, skip);

  // ---- Devices: the generator's placement over the imported network ----
  const energyGrid = { substations, feeders, renewables, powerLines };
  const safety = { policeStations: police, fireStations: fire };
  const devices = buildDevices(ctx, rng.fork("devices"), { grid: energyGrid, feederXY }, safety);

  const cityName = c.taggedNodes.find((n) => n.tags.place === "city") ?? c.relations.find((r) => r.tags?.place === "city");
  const cityNames = namesOf(cityName?.tags);
  const baseName = options.file.replace(/\.osm(\.pbf|\.gz|\.bz2)?$/i, "").replace(/\.pbf$/i, "");
  const nameZh = options.nameZh ?? cityNames.nameZh ?? baseName;
  const nameEn = options.nameEn ?? cityNames.nameEn ?? baseName;
  const landAreaKm2 = districts.reduce((a, d) => a + d.areaKm2, 0);
  const roadLengthKm = network.segments.reduce((a, s) => a + s.lengthM, 0) / 1000;
  const stationCount = police.length + fire.length;
  const model: CityModel = {
    schemaVersion: 1,
    seed: `${IMPORTED_SEED_PREFIX}${contentSeed}`,
    size: 1,
    nameZh,
    nameEn,
    center,
    bbox: bboxOf(districts.flatMap((d) => d.polygon[0])),
    timezone: "Asia/Shanghai",
    utcOffsetMinutes: 480,
    districts,
    waters: {
      coastline,
      sea: sea ? [sea] : [],
      seaNameZh: seaNames.nameZh ?? "海",
      seaNameEn: seaNames.nameEn ?? "Sea",
      rivers,
      islands: [],
    },
    parks,
    network,
    energy: energyGrid,
    safety,
    pois,
    devices,
    stats: {
      nodes: nodes.length,
      segments: network.segments.length,
      roadLengthKm: roundTo(roadLengthKm, 1),
      devices: devices.length,
      trafficSensors: devices.filter((d) => d.kind === "traffic-sensor").length,
      cameras: devices.filter((d) => d.kind === "camera").length,
      feeders: feeders.length,
      pois: pois.length,
      pointFeatures: pois.length + stationCount + substations.length + devices.length,
      landAreaKm2: roundTo(landAreaKm2, 1),
    },
    landUse,
    source: {
      kind: "osm",
      file: options.file,
      sha256: options.sha256,
      attribution: "© OpenStreetMap contributors, ODbL",
      licence: "ODbL-1.0",
      districts: districtSource,
    },
  };
  const report: ImportReport = {
    nodesRead: c.counts.nodes,
    waysRead: c.counts.ways,
    relationsRead: c.counts.relations,
    roadWays: roadWays.length,
    segments: network.segments.length,
    intersections,
    roadLengthKm: roundTo(roadLengthKm, 1),
    districts: districts.length,
    districtSource,
    pois: pois.length,
    policeStations: police.length,
    fireStations: fire.length,
    hospitals: pois.filter((p) => p.category === "hospital").length,
    substations: substations.length,
    powerLines: powerLines.length,
    renewables: renewables.length,
    renewableMw: roundTo(renewables.reduce((a, r) => a + r.capacityMw, 0), 1),
    feeders: feeders.length,
    devices: devices.length,
    rivers: rivers.length,
    parks: parks.length,
    landUse: landUse.length,
    coastline: coastline.length >= 2,
    skipped: Object.fromEntries([...skipped.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
  };
  return { model, report };
}

function orientRingCcw(ring: LonLat[]): LonLat[] {
  return closedRings([ring]).rings[0] ?? ring;
}

function centroidOf(ring: readonly LonLat[]): LonLat {
  const [lon, lat] = ringCentroid(ring);
  return [round6(lon), round6(lat)];
}

/** Districts from administrative boundaries (the coarsest level with at least two over the roads), or a grid over the extent. */
function buildDistricts(
  c: OsmCollector, extent: BBox, at: (id: number) => LonLat | null, skip: (reason: string, n?: number) => void,
): { districts: District[]; source: "admin-boundaries" | "generated" } {
  const waysById = new Map(c.ways.map((w) => [w.id, w]));
  const byLevel = new Map<number, District[]>();
  for (const r of c.relations) {
    const t = r.tags!;
    if (t.boundary !== "administrative") continue;
    const level = Number(t.admin_level);
    if (!Number.isInteger(level) || level < 4 || level > 10) { skip(`administrative boundary with admin_level=${t.admin_level ?? "(none)"} (4 to 10 used)`); continue; }
    const lines = r.members
      .filter((m) => m.type === "way" && (m.role === "outer" || m.role === ""))
      .map((m) => waysById.get(m.ref))
      .filter((w) => w !== undefined)
      .map((w) => w.refs.map(at).filter((p): p is LonLat => p !== null));
    const { rings } = closedRings(lines);
    if (rings.length === 0) { skip("administrative boundary whose outer ring is not closed in the file"); continue; }
    const ring = rings.reduce((a, b) => (ringAreaM2(b) > ringAreaM2(a) ? b : a));
    const rb = bboxOf(ring);
    if (rb[2] < extent[0] || rb[0] > extent[2] || rb[3] < extent[1] || rb[1] > extent[3]) { skip("administrative boundary outside the roads' extent"); continue; }
    const names = namesOf(t);
    let label = centroidOf(ring);
    if (!pointInRing(label, ring)) label = ring[Math.floor(ring.length / 2)];
    const list = byLevel.get(level) ?? [];
    list.push({
      id: `osm-r${r.id}`,
      nameZh: names.nameZh ?? `区域${r.id}`,
      nameEn: names.nameEn ?? `Area ${r.id}`,
      polygon: [ring],
      labelPoint: label,
      areaKm2: roundTo(ringAreaM2(ring) / 1e6, 2),
    });
    byLevel.set(level, list);
  }
  const levels = [...byLevel.keys()].sort((a, b) => a - b);
  const chosen = levels.find((l) => byLevel.get(l)!.length >= 2);
  if (chosen !== undefined) {
    for (const l of levels) if (l !== chosen) skip(`administrative boundaries of admin_level=${l} (districts use admin_level=${chosen})`, byLevel.get(l)!.length);
    const list = byLevel.get(chosen)!.sort((a, b) => (a.labelPoint[0] - b.labelPoint[0]) || (a.id < b.id ? -1 : 1));
    return { districts: list, source: "admin-boundaries" };
  }
  for (const l of levels) skip(`administrative boundaries of admin_level=${l} (fewer than two: districts generated)`, byLevel.get(l)!.length);
  return { districts: gridDistricts(extent), source: "generated" };
}

const GRID_NAMES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  "2x2": [["西北区", "Northwest District"], ["东北区", "Northeast District"], ["西南区", "Southwest District"], ["东南区", "Southeast District"]],
  "3x2": [["西北区", "Northwest District"], ["北区", "North District"], ["东北区", "Northeast District"], ["西南区", "Southwest District"], ["南区", "South District"], ["东南区", "Southeast District"]],
  "2x3": [["西北区", "Northwest District"], ["东北区", "Northeast District"], ["西区", "West District"], ["东区", "East District"], ["西南区", "Southwest District"], ["东南区", "Southeast District"]],
};

/** Districts as a grid over the extent (rows north to south, columns west to east). */
function gridDistricts(extent: BBox): District[] {
  const [w, s, e, n] = extent;
  const midLat = ((s + n) / 2) * (Math.PI / 180);
  const wideM = (e - w) * 111_320 * Math.cos(midLat), highM = (n - s) * 110_574;
  const [cols, rows] = wideM >= 1.5 * highM ? [3, 2] : highM >= 1.5 * wideM ? [2, 3] : [2, 2];
  const names = GRID_NAMES[`${cols}x${rows}`];
  const out: District[] = [];
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const x0 = round6(w + ((e - w) * k) / cols), x1 = round6(w + ((e - w) * (k + 1)) / cols);
      const y1 = round6(n - ((n - s) * r) / rows), y0 = round6(n - ((n - s) * (r + 1)) / rows);
      const ring: LonLat[] = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
      const [nameZh, nameEn] = names[r * cols + k];
      out.push({
        id: `grid-${r * cols + k + 1}`, nameZh, nameEn, polygon: [ring],
        labelPoint: [round6((x0 + x1) / 2), round6((y0 + y1) / 2)], areaKm2: roundTo(ringAreaM2(ring) / 1e6, 2),
      });
    }
  }
  return out;
}

/** The district a point lies in (the nearest by label when it lies in none), cached on a ~100 m grid. */
function districtLocator(districts: readonly District[]): (p: LonLat) => DistrictId {
  const boxes = districts.map((d) => bboxOf(d.polygon[0]));
  const cache = new Map<number, DistrictId>();
  return (p) => {
    const key = Math.round(p[0] * 1000) * 400_000 + Math.round(p[1] * 1000);
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    let found: DistrictId | undefined;
    for (let i = 0; i < districts.length && !found; i++) {
      const b = boxes[i];
      if (p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3] && pointInRing(p, districts[i].polygon[0])) found = districts[i].id;
    }
    if (!found) {
      let best = Infinity;
      for (const d of districts) {
        const dd = (d.labelPoint[0] - p[0]) ** 2 + (d.labelPoint[1] - p[1]) ** 2;
        if (dd < best) { best = dd; found = d.id; }
      }
    }
    cache.set(key, found!);
    return found!;
  };
}

/**
 * The generator's placement steps ask the landform which district a local-metre point is in;
 * an imported city answers from its districts. Nothing else of the landform exists for it.
 */
function importedLand(proj: ReturnType<typeof makeProjection>, districtAt: (p: LonLat) => DistrictId): Landform {
  const none = (what: string) => () => { throw new Error(`an imported city has no generated ${what}`); };
  return {
    widthM: 0, depthM: 0, halfWidthM: 0, rivers: [],
    coastBase: none("coast"), coastLarge: none("coast"), southY: none("limit"), fushanY: none("limit"),
    columnBoundary: none("columns"), isSea: none("sea"), inCity: none("limit"), riverAt: none("rivers"), crossesRiver: none("rivers"),
    // No generated coast to keep a production meter's district on land: the district at the site (else the nearest).
    coastY: () => Number.POSITIVE_INFINITY,
    lattice: none("lattice"),
    districtAt: (x, y) => districtAt(proj.toLonLat(x, y)),
  };
}

/** A power=plant or power=generator element: a node, or an area with its ring. */
type PowerSource = { key: string; tags: OsmTags; location: LonLat; ring?: LonLat[] };

const RENEWABLE_SOURCES: readonly RenewableKind[] = ["wind", "solar", "hydro"];
/** Capacity of a plant whose output is not tagged (nor that of generators inside it), in MW. */
const DEFAULT_PLANT_MW: Readonly<Record<RenewableKind, number>> = { wind: 50, solar: 20, hydro: 30 };
/** A lone wind turbine whose output is not tagged, in MW. */
const DEFAULT_TURBINE_MW = 2;
/** A lone solar or hydro generator is a site of its own from this output (smaller ones are rooftop panels, small turbines). */
const MIN_GENERATOR_MW = 1;
/** Names of unnamed plants and lone generators, numbered per kind in element order. */
const PLANT_NAMES: Readonly<Record<RenewableKind, [string, string]>> = { wind: ["风电场", "Wind Farm"], solar: ["光伏电站", "Solar Plant"], hydro: ["水电站", "Hydro Plant"] };
const GENERATOR_NAMES: Readonly<Record<RenewableKind, [string, string]>> = { wind: ["风电机组", "Wind Turbine"], solar: ["光伏阵列", "Solar Array"], hydro: ["水电机组", "Hydro Generator"] };

/** Electrical output in MW from `plant:output:electricity` / `generator:output:electricity` ("20 MW", "500 kW", "1.5MW"); undefined for "yes" or no number. */
export function parseOutputMw(v: string | undefined): number | undefined {
  const m = v?.trim().match(/^([0-9]+(?:[.,][0-9]+)?)\s*(gw|mw|kw|w)p?$/i);
  if (!m) return undefined;
  const x = Number(m[1].replace(",", ".")) * ({ gw: 1000, mw: 1, kw: 0.001, w: 1e-6 } as const)[m[2].toLowerCase() as "gw" | "mw" | "kw" | "w"];
  return Number.isFinite(x) && x > 0 ? roundTo(x, 3) : undefined;
}

/** The renewable source a plant or generator is tagged with (the first of wind, solar, hydro in a list), or what it is instead. */
function sourceOf(t: OsmTags): { kind?: RenewableKind; tagged: string } {
  const raw = (t.power === "plant" ? t["plant:source"] : t["generator:source"]) ?? "";
  const kind = raw.split(";").map((x) => x.trim().toLowerCase()).find((x): x is RenewableKind => (RENEWABLE_SOURCES as readonly string[]).includes(x));
  return { kind, tagged: raw || "(none)" };
}

/**
 * Renewable sites from tagged plants and generators: a power=plant with plant:source wind,
 * solar or hydro is one site (its area the footprint, else a square about it), with the
 * capacity of plant:output:electricity, else the sum of the generators tagged inside it, else
 * a default per source; a power=generator inside such a plant is part of it. A lone generator
 * is a site of its own when it is a wind turbine (2 MW when its output is not tagged) or
 * tags at least 1 MW; smaller solar and hydro generators (rooftop panels) are left out and
 * counted. Sites are ordered by element (n…, r…, w… and id), so the same file gives the same sites.
 */
function buildRenewableSites(
  sources: readonly PowerSource[], sea: LonLat[] | null, proj: ReturnType<typeof makeProjection>, skip: (reason: string, n?: number) => void,
): RenewableSite[] {
  const sorted = [...sources].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const plants: (PowerSource & { kind: RenewableKind })[] = [];
  const generators: (PowerSource & { kind: RenewableKind })[] = [];
  for (const f of sorted) {
    const { kind, tagged } = sourceOf(f.tags);
    const what = `power=${f.tags.power}`;
    if (!kind) { skip(`${what} with ${f.tags.power === "plant" ? "plant" : "generator"}:source=${tagged} (not wind, solar or hydro)`); continue; }
    (f.tags.power === "plant" ? plants : generators).push({ ...f, kind });
  }
  const inPlant = (g: PowerSource & { kind: RenewableKind }) => plants.find((p) => p.kind === g.kind && p.ring && pointInRing(g.location, p.ring));
  const sumInside = new Map<string, number>();
  const lone: typeof generators = [];
  for (const g of generators) {
    const p = inPlant(g);
    if (!p) { lone.push(g); continue; }
    skip("power=generator inside a power=plant of its source (counted with the plant)");
    const mw = parseOutputMw(g.tags["generator:output:electricity"]);
    if (mw !== undefined) sumInside.set(p.key, (sumInside.get(p.key) ?? 0) + mw);
  }
  const out: RenewableSite[] = [];
  const counters = new Map<string, number>();
  const square = (p: LonLat, halfM: number): LonLat[] => {
    const [x, y] = proj.toXY(p);
    return [[x - halfM, y - halfM], [x + halfM, y - halfM], [x + halfM, y + halfM], [x - halfM, y + halfM], [x - halfM, y - halfM]]
      .map(([a, b]) => { const q = proj.toLonLat(a, b); return [round6(q[0]), round6(q[1])] as LonLat; });
  };
  const add = (f: PowerSource & { kind: RenewableKind }, capacityMw: number, halfM: number) => {
    const names = namesOf(f.tags);
    const [zh, en] = (f.tags.power === "plant" ? PLANT_NAMES : GENERATOR_NAMES)[f.kind];
    const n = names.nameZh ? 0 : (counters.get(en) ?? 0) + 1;
    if (n) counters.set(en, n);
    out.push({
      id: `ren-${f.key}`,
      nameZh: names.nameZh ?? `${zh}${n}`,
      nameEn: names.nameEn ?? `${en} ${n}`,
      kind: f.kind,
      offshore: f.kind === "wind" && !!sea && pointInRing(f.location, sea),
      capacityMw: roundTo(capacityMw, 3),
      location: f.location,
      polygon: [f.ring ?? square(f.location, halfM)],
    });
  };
  for (const p of plants) {
    const tagged = parseOutputMw(p.tags["plant:output:electricity"]);
    const inside = sumInside.get(p.key);
    if (tagged === undefined && inside === undefined) skip(`power=plant (${p.kind}) with no output tagged: ${DEFAULT_PLANT_MW[p.kind]} MW assumed`);
    add(p, tagged ?? inside ?? DEFAULT_PLANT_MW[p.kind], 300);
  }
  for (const g of lone) {
    const mw = parseOutputMw(g.tags["generator:output:electricity"]);
    if (g.kind === "wind") {
      if (mw === undefined) skip(`power=generator (wind) with no output tagged: ${DEFAULT_TURBINE_MW} MW assumed`);
      add(g, mw ?? DEFAULT_TURBINE_MW, 60);
    } else if (mw !== undefined && mw >= MIN_GENERATOR_MW) add(g, mw, 60);
    else skip(`power=generator (${g.kind}) outside any plant with less than ${MIN_GENERATOR_MW} MW tagged (rooftop or small): left out`);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
