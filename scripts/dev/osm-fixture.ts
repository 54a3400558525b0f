/**
 * A synthetic but realistic OpenStreetMap extract of a small coastal city, for tests and the
 * import benchmark: a street grid with motorway, trunk, primary, secondary, tertiary and
 * residential roads (names in `name`, `name:zh`, `name:en`; oneway, lanes, maxspeed; traffic
 * signals), footways and buildings the import skips, a coastline, a river, a park, land use,
 * police, fire, hospital and other points, substations with a power line, and (optionally)
 * administrative boundaries. Written as OSM XML or OSM PBF (the PBF through the encoders
 * osm-pbf-parser-node ships, compiled by the pbf library; zlib-compressed blocks).
 */
import zlib from "node:zlib";
import Pbf from "pbf";
import { Blob, BlobHeader } from "osm-pbf-parser-node/proto/fileformat.js";
import { HeaderBlock, PrimitiveBlock } from "osm-pbf-parser-node/proto/osmformat.js";

type Tags = Record<string, string>;
export type FxNode = { id: number; lat: number; lon: number; tags?: Tags };
export type FxWay = { id: number; refs: number[]; tags?: Tags };
export type FxRelation = { id: number; members: { type: "node" | "way" | "relation"; ref: number; role: string }[]; tags?: Tags };
export type Fixture = { nodes: FxNode[]; ways: FxWay[]; relations: FxRelation[] };

export interface FixtureOptions {
  /** Street grid size (columns × rows of junctions); default 24 × 16. */
  cols?: number;
  rows?: number;
  /** Administrative boundaries (three districts at admin_level 6 and the city at 5); default true. */
  admin?: boolean;
  /** Police, fire, hospitals and other points, substations and power lines; default true. */
  services?: boolean;
  /** Buildings per block (each a closed way of 4 nodes with address tags); default 0. */
  buildingsPerBlock?: number;
  /**
   * Surveyed detail as in real extracts: buildings drawn where they were surveyed (not on a
   * perfect grid) with names, addresses and sources. Default false.
   */
  detail?: boolean;
  /**
   * Power plants and generators (wind, solar, hydro, and a coal plant the import leaves out),
   * for the import's renewable sites; default false.
   */
  renewables?: boolean;
}

const STEMS: readonly [string, string][] = [
  ["胜利", "Shengli"], ["解放", "Jiefang"], ["青年", "Qingnian"], ["红旗", "Hongqi"], ["观海", "Guanhai"],
  ["港城", "Gangcheng"], ["迎春", "Yingchun"], ["滨海", "Binhai"], ["环山", "Huanshan"], ["幸福", "Xingfu"],
  ["建设", "Jianshe"], ["新华", "Xinhua"], ["文化", "Wenhua"], ["长江", "Changjiang"], ["黄河", "Huanghe"],
  ["珠江", "Zhujiang"], ["泰山", "Taishan"], ["华山", "Huashan"], ["凤凰", "Fenghuang"], ["银海", "Yinhai"],
];

/** Builds the fixture's elements. Deterministic: same options, same elements. */
export function makeOsmFixture(options: FixtureOptions = {}): Fixture {
  const cols = options.cols ?? 24, rows = options.rows ?? 16;
  const admin = options.admin ?? true;
  const buildings = options.buildingsPerBlock ?? 0;
  const services = options.services ?? true;
  const detail = options.detail ?? false;
  // A deterministic hash for surveyed jitter and varied tags.
  const h = (...xs: number[]) => {
    let v = 0x811c9dc5;
    for (const x of xs) v = Math.imul(v ^ x, 0x01000193) >>> 0;
    v ^= v >>> 15;
    return Math.imul(v, 0x2c1b3c6d) >>> 0;
  };
  const lon0 = 121.3, lat0 = 37.45;
  const dLon = 0.0017, dLat = 0.00135; // about 150 m
  const nodes: FxNode[] = [], ways: FxWay[] = [], relations: FxRelation[] = [];
  let nextNode = 1000, nextWay = 5000;
  const node = (lon: number, lat: number, tags?: Tags) => {
    const n: FxNode = { id: nextNode++, lon: Math.round(lon * 1e7) / 1e7, lat: Math.round(lat * 1e7) / 1e7 };
    if (tags) n.tags = tags;
    nodes.push(n);
    return n.id;
  };
  const way = (refs: number[], tags?: Tags) => {
    const w: FxWay = { id: nextWay++, refs };
    if (tags) w.tags = tags;
    ways.push(w);
    return w.id;
  };
  const ring = (pts: [number, number][], tags?: Tags) => {
    const ids = pts.map(([lon, lat]) => node(lon, lat));
    return way([...ids, ids[0]], tags);
  };

  // Junctions: arterial crossings get traffic signals.
  const major = (k: number) => k % 6 === 0;
  const grid: number[][] = [];
  for (let r = 0; r < rows; r++) {
    grid.push([]);
    for (let c = 0; c < cols; c++) {
      const wobble = ((r * 7 + c * 13) % 5) * 0.00002;
      const tags = major(r) && major(c) && r > 0 ? { highway: "traffic_signals" } : undefined;
      grid[r].push(node(lon0 + c * dLon + wobble, lat0 + r * dLat - wobble, tags));
    }
  }
  // East-west streets: row 0 a trunk (expressway), every 6th row a primary, every 3rd a tertiary, else residential.
  for (let r = 0; r < rows; r++) {
    const [zh, en] = STEMS[r % STEMS.length];
    const tags: Tags =
      r === 0 ? { highway: "trunk", name: "沈海高速", "name:en": "Shenhai Expressway", ref: "G15", lanes: "6", maxspeed: "100", oneway: "no" }
      : major(r) ? { highway: "primary", name: `${zh}路`, "name:en": `${en} Road`, lanes: "4", maxspeed: "60" }
      : r % 3 === 0 ? { highway: "tertiary", "name:zh": `${zh}街`, "name:en": `${en} Street`, maxspeed: "40 km/h" }
      : r % 4 === 1 ? { highway: "residential" }
      : { highway: "residential", name: `${en} Lane`, oneway: r % 2 ? "yes" : "-1", maxspeed: "20 mph" };
    // Long streets in pieces of at most 12 junctions, as mappers draw them.
    for (let c0 = 0; c0 < cols - 1; c0 += 12) way(grid[r].slice(c0, Math.min(cols, c0 + 13)), tags);
  }
  // North-south streets.
  for (let c = 0; c < cols; c++) {
    const [zh, en] = STEMS[(c + 7) % STEMS.length];
    const tags: Tags =
      major(c) ? { highway: "secondary", name: `${zh}大街`, "name:zh": `${zh}大街`, "name:en": `${en} Avenue`, lanes: "4" }
      : c % 3 === 0 ? { highway: "tertiary", name: `${zh}中路`, "name:en": `${en} Middle Road`, lanes: "2" }
      : c % 5 === 2 ? { highway: "residential", name: `${zh}巷`, oneway: "yes", lanes: "1" }
      : { highway: "unclassified", maxspeed: "CN:urban" };
    for (let r0 = 0; r0 < rows - 1; r0 += 12) way(grid.slice(r0, Math.min(rows, r0 + 13)).map((row) => row[c]), tags);
  }
  // A motorway spur with a link onto the trunk; a roundabout; footways, a cycleway, a road under construction.
  const east = lon0 + (cols - 1) * dLon;
  const m1 = node(east + 0.01, lat0 - 0.004), m2 = node(east + 0.02, lat0 - 0.006);
  way([grid[0][cols - 1], m1], { highway: "motorway_link", oneway: "yes" });
  way([m1, m2], { highway: "motorway", name: "荣乌高速", "name:en": "Rongwu Expressway", lanes: "4", maxspeed: "120" });
  const rc = grid[Math.min(3, rows - 1)][Math.min(3, cols - 1)];
  const ro = [0, 1, 2, 3].map((k) => node(lon0 + 3 * dLon + 0.0004 * Math.cos(k * 1.57) + 0.0006, lat0 + 3 * dLat + 0.0004 * Math.sin(k * 1.57)));
  way([...ro, ro[0]], { highway: "tertiary", junction: "roundabout", name: "星光环岛", "name:en": "Xingguang Roundabout" });
  way([rc, ro[2]], { highway: "residential" });
  for (let r = 1; r < rows; r += 4) way([grid[r][1], node(lon0 + dLon * 1.5, lat0 + dLat * (r + 0.5)), grid[r][2]], { highway: "footway" });
  way([grid[1][0], grid[2][0]], { highway: "cycleway" });
  way([node(lon0 - 0.003, lat0), node(lon0 - 0.006, lat0 + 0.001)], { highway: "construction", construction: "primary" });

  // Coastline north of the grid, east to west (land on the left), wavy.
  const north = lat0 + (rows - 1) * dLat + 0.004;
  const coast: number[] = [];
  for (let k = 0; k <= 20; k++) coast.push(node(east + 0.01 - ((cols - 1) * dLon + 0.02) * (k / 20), north + 0.0015 * Math.sin(k * 0.9)));
  way(coast.slice(0, 11), { natural: "coastline" });
  way(coast.slice(10), { natural: "coastline" });
  nodes.push({ id: nextNode++, lon: lon0 + 0.02, lat: north + 0.05, tags: { place: "sea", name: "黄海", "name:en": "Yellow Sea" } });
  nodes.push({ id: nextNode++, lon: lon0 + (cols / 2) * dLon, lat: lat0 + (rows / 2) * dLat, tags: { place: "city", name: "海阳湾", "name:en": "Haiyang Bay" } });

  // A river from the south to the sea between two columns, and a lake.
  const rx = lon0 + (Math.floor(cols / 3) + 0.5) * dLon;
  const river: number[] = [];
  for (let k = 0; k <= 12; k++) river.push(node(rx + 0.0003 * Math.sin(k), lat0 - 0.004 + ((north - lat0 + 0.006) * k) / 12));
  way(river, { waterway: "river", name: "夹河", "name:en": "Jia River", width: "40" });
  ring([[lon0 + 2 * dLon + 0.0003, lat0 + 5 * dLat + 0.0003], [lon0 + 3 * dLon - 0.0003, lat0 + 5 * dLat + 0.0003], [lon0 + 3 * dLon - 0.0003, lat0 + 6 * dLat - 0.0003], [lon0 + 2 * dLon + 0.0003, lat0 + 6 * dLat - 0.0003]], { natural: "water", name: "月湖", "name:en": "Moon Lake" });
  // A park over a block; land use.
  const block = (c: number, r: number, w = 1, h = 1): [number, number][] => [
    [lon0 + c * dLon + 0.0002, lat0 + r * dLat + 0.0002], [lon0 + (c + w) * dLon - 0.0002, lat0 + r * dLat + 0.0002],
    [lon0 + (c + w) * dLon - 0.0002, lat0 + (r + h) * dLat - 0.0002], [lon0 + c * dLon + 0.0002, lat0 + (r + h) * dLat - 0.0002],
  ];
  ring(block(7, 7, 2, 2), { leisure: "park", name: "毓璜顶公园", "name:en": "Yuhuangding Park" });
  ring(block(cols - 4, 1, 3, 2), { landuse: "industrial", name: "开发区工业园" });
  ring(block(1, rows - 4, 3, 2), { landuse: "residential" });
  if (services) addServices();
  if (options.renewables) addRenewables();
  function addRenewables() {
    const mid = (c: number, r: number): [number, number] => [lon0 + (c + 0.5) * dLon, lat0 + (r + 0.5) * dLat];
    const area = (c: number, r: number, w: number, h: number): [number, number][] => [
      [lon0 + c * dLon + 0.0002, lat0 + r * dLat + 0.0002], [lon0 + (c + w) * dLon - 0.0002, lat0 + r * dLat + 0.0002],
      [lon0 + (c + w) * dLon - 0.0002, lat0 + (r + h) * dLat - 0.0002], [lon0 + c * dLon + 0.0002, lat0 + (r + h) * dLat - 0.0002],
    ];
    // A wind farm (an area with its output tagged) with three turbines inside it: one site of 48 MW.
    ring(area(cols - 4, rows - 4, 3, 3), { power: "plant", "plant:source": "wind", "plant:output:electricity": "48 MW", name: "海阳风电场", "name:en": "Haiyang Wind Farm" });
    for (const [c, r] of [[cols - 3.5, rows - 3.5], [cols - 2.5, rows - 2.5], [cols - 1.5, rows - 1.5]]) {
      node(lon0 + c * dLon, lat0 + r * dLat, { power: "generator", "generator:source": "wind", "generator:method": "wind_turbine", "generator:output:electricity": "2 MW" });
    }
    // A wind farm with no output tagged: the sum of its two turbines' (3 MW each).
    ring(area(1, rows - 4, 2, 2), { power: "plant", "plant:source": "wind" });
    node(lon0 + 1.5 * dLon, lat0 + (rows - 3.5) * dLat, { power: "generator", "generator:source": "wind", "generator:output:electricity": "3 MW" });
    node(lon0 + 2.5 * dLon, lat0 + (rows - 2.5) * dLat, { power: "generator", "generator:source": "wind", "generator:output:electricity": "3000 kW" });
    // A solar plant as an area (12.5 MW), one as a node with no output (the default), a hydro plant, a lone turbine.
    ring(area(4, 1, 2, 1), { power: "plant", "plant:source": "solar", "plant:output:electricity": "12.5 MW", "name:zh": "莱山光伏电站", "name:en": "Laishan Solar Plant" });
    node(...mid(cols - 2, 1), { power: "plant", "plant:source": "solar", "plant:output:electricity": "yes" });
    node(...mid(6, 6), { power: "plant", "plant:source": "hydro", "plant:output:electricity": "8 MW", name: "夹河水电站", "name:en": "Jia River Hydro Plant" });
    node(...mid(cols - 1, 6), { power: "generator", "generator:source": "wind" });
    // Left out: rooftop panels (5 kW) and a coal plant.
    node(...mid(5, 4), { power: "generator", "generator:source": "solar", "generator:place": "roof", "generator:output:electricity": "5 kW" });
    node(...mid(2, 6), { power: "plant", "plant:source": "coal", "plant:output:electricity": "600 MW" });
  }
  function addServices() {
    // Points: police, fire, hospitals (a node and a building area), school, shops, bus stop; a disused toilet (skipped).
    const mid = (c: number, r: number): [number, number] => [lon0 + (c + 0.5) * dLon, lat0 + (r + 0.5) * dLat];
    node(...mid(2, 2), { amenity: "police", name: "芝罘公安分局", "name:en": "Zhifu Police Bureau" });
    node(...mid(cols - 3, rows - 3), { amenity: "police", name: "Harbour Police Station" });
    node(...mid(5, rows - 2), { amenity: "fire_station", name: "港城消防救援站", "name:en": "Gangcheng Fire Station" });
    node(...mid(10, 4), { amenity: "hospital", name: "烟台山医院", "name:en": "Yantaishan Hospital", emergency: "yes" });
    ring(block(12, 9), { amenity: "hospital", building: "hospital", "name:zh": "毓璜顶医院", "name:en": "Yuhuangding Hospital" });
    node(...mid(4, 8), { amenity: "school", name: "第一中学", "name:en": "No. 1 Middle School" });
    node(...mid(6, 3), { shop: "supermarket", name: "振华商厦" });
    node(...mid(9, 2), { amenity: "restaurant" });
    node(...mid(1, 1), { highway: "bus_stop", name: "火车站" });
    node(...mid(3, 1), { amenity: "toilets" });
    node(lon0 - 0.2, lat0 - 0.2, { amenity: "police", name: "Far Away Police" });
    // Substations (one untagged voltage), a 110 kV line between them, a minor line.
    const s1 = node(...mid(3, 6), { power: "substation", voltage: "110000;10000", name: "西山变电站", "name:en": "Xishan Substation" });
    const s2 = node(...mid(cols - 6, 8), { power: "substation", voltage: "220000" });
    const t = node(lon0 + (cols / 2) * dLon, lat0 + 7.5 * dLat, { power: "tower" });
    way([s1, t, s2], { power: "line", voltage: "110000", cables: "3" });
    way([s1, node(...mid(3, 9))], { power: "minor_line", voltage: "10000" });
  }
  // Buildings (skipped by the import; make the benchmark file realistic in size).
  if (buildings > 0) {
    for (let r = 1; r < rows - 1; r++) {
      for (let c = 0; c < cols - 1; c++) {
        for (let b = 0; b < buildings; b++) {
          const j = (k: number) => (detail ? ((h(r, c, b, k) % 2000) - 1000) * 1e-7 : 0);
          const x = lon0 + (c + 0.15 + 0.7 * (b / buildings)) * dLon + j(1), y = lat0 + (r + 0.2) * dLat + j(2);
          const w = 0.0001 + Math.abs(j(3)) / 4, d = 0.0001 + Math.abs(j(4)) / 4;
          const tags: Tags = {
            building: b % 5 === 0 ? "apartments" : "yes", "addr:street": `${STEMS[r % STEMS.length][0]}路`,
            "addr:housenumber": String(c * buildings + b + 1), "building:levels": String(2 + ((r + c + b) % 20)),
          };
          if (detail) {
            const n = h(r, c, b, 9);
            tags["addr:postcode"] = String(264000 + (n % 1000));
            tags.name = `${STEMS[n % STEMS.length][0]}${STEMS[(n >>> 8) % STEMS.length][0]}${["大厦", "小区", "公寓", "商城"][(n >>> 16) % 4]}${(n >>> 4) % 97}号楼`;
            tags["name:en"] = `${STEMS[n % STEMS.length][1]} ${STEMS[(n >>> 8) % STEMS.length][1]} Building ${(n >>> 4) % 97}`;
            tags.source = `survey ${2015 + (n % 10)}-${String(1 + ((n >>> 3) % 12)).padStart(2, "0")}; ref ${n.toString(36)}`;
            tags.height = `${(3 + (n % 900) / 10).toFixed(1)}`;
            tags["addr:full"] = `山东省烟台市${tags["addr:street"]}${tags["addr:housenumber"]}号 ${tags.name}`;
            // A survey reference that does not compress, standing in for the varied text of real extracts.
            tags["ref:survey"] = Array.from({ length: 26 }, (_, k) => h(n, k).toString(16).padStart(8, "0")).join("");
          }
          ring([[x, y], [x + w, y], [x + w, y + d], [x, y + d]], tags);
        }
      }
    }
  }
  // Administrative boundaries: the city (level 5) and three districts (level 6) as vertical strips.
  if (admin) {
    const x = [lon0 - 0.002, lon0 + (cols / 3) * dLon, lon0 + ((2 * cols) / 3) * dLon, east + 0.03];
    const yS = lat0 - 0.01, yN = north + 0.003;
    const top = x.map((lon) => node(lon, yN)), bottom = x.map((lon) => node(lon, yS));
    const sides = x.map((_, k) => way([bottom[k], top[k]], { boundary: "administrative", admin_level: "6" }));
    const names: [string, string][] = [["福山区", "Fushan District"], ["芝罘区", "Zhifu District"], ["莱山区", "Laishan District"]];
    for (let k = 0; k < 3; k++) {
      const s = way([bottom[k], bottom[k + 1]]), n = way([top[k + 1], top[k]]);
      relations.push({
        id: 9000 + k,
        members: [{ type: "way", ref: s, role: "outer" }, { type: "way", ref: sides[k + 1], role: "outer" }, { type: "way", ref: n, role: "outer" }, { type: "way", ref: sides[k], role: "outer" }],
        tags: { type: "boundary", boundary: "administrative", admin_level: "6", name: names[k][0], "name:en": names[k][1] },
      });
    }
    const cityRing = way([bottom[0], bottom[3], top[3], top[0], bottom[0]]);
    relations.push({ id: 8999, members: [{ type: "way", ref: cityRing, role: "outer" }], tags: { type: "boundary", boundary: "administrative", admin_level: "5", name: "海阳湾市", "name:en": "Haiyang Bay City" } });
  }
  return { nodes, ways, relations };
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;").replace(/>/g, "&gt;");
const tagXml = (tags?: Tags) => (tags ? Object.entries(tags).map(([k, v]) => `\n    <tag k="${esc(k)}" v="${esc(v)}"/>`).join("") : "");

/** The fixture as OSM XML (API 0.6). */
export function fixtureToXml(f: Fixture): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="city-brain make-osm-fixture">'];
  for (const n of f.nodes) {
    out.push(n.tags ? `  <node id="${n.id}" lat="${n.lat}" lon="${n.lon}">${tagXml(n.tags)}\n  </node>` : `  <node id="${n.id}" lat="${n.lat}" lon="${n.lon}"/>`);
  }
  for (const w of f.ways) out.push(`  <way id="${w.id}">${w.refs.map((r) => `\n    <nd ref="${r}"/>`).join("")}${tagXml(w.tags)}\n  </way>`);
  for (const r of f.relations) {
    out.push(`  <relation id="${r.id}">${r.members.map((m) => `\n    <member type="${m.type}" ref="${m.ref}" role="${esc(m.role)}"/>`).join("")}${tagXml(r.tags)}\n  </relation>`);
  }
  out.push("</osm>\n");
  return out.join("\n");
}

/** One PBF block: the blob header and the zlib-compressed blob. */
function blobOf(type: "OSMHeader" | "OSMData", write: (pbf: Pbf) => void): Buffer {
  const body = new Pbf();
  write(body);
  const raw = body.finish();
  const blob = new Pbf();
  Blob.write({ raw_size: raw.length, zlib_data: zlib.deflateSync(raw) }, blob);
  const blobBytes = blob.finish();
  const header = new Pbf();
  BlobHeader.write({ type, datasize: blobBytes.length }, header);
  const headerBytes = header.finish();
  const len = Buffer.alloc(4);
  len.writeUInt32BE(headerBytes.length);
  return Buffer.concat([len, headerBytes, blobBytes]);
}

/** A string table that hands out indices (0 is the empty string, as the format requires). */
class Strings {
  private readonly index = new Map<string, number>([["", 0]]);
  readonly list: string[] = [""];
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) this.index.set(s, (i = this.list.push(s) - 1));
    return i;
  }
  table() {
    return { s: this.list.map((s) => Buffer.from(s, "utf8")) };
  }
}

const delta = (xs: number[]) => xs.map((x, i) => (i === 0 ? x : x - xs[i - 1]));

/** Editing history as real extracts carry it (version, time, changeset, user), made up deterministically from the id. */
function infoOf(id: number) {
  const m = Math.imul(id ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return { version: 1 + (m % 9), timestamp: 1_400_000_000 + (m % 300_000_000), changeset: 10_000_000 + (m % 90_000_000), uid: 1000 + ((m >>> 7) % 5000), user: `mapper${(m >>> 7) % 5000}` };
}

/** The fixture as OSM PBF: dense nodes, ways and relations in blocks of up to 8000 elements; `withInfo` adds editing history. */
export function fixtureToPbf(f: Fixture, withInfo = false): Buffer {
  const parts: Buffer[] = [];
  const [minLon, minLat, maxLon, maxLat] = f.nodes.reduce(
    (b, n) => [Math.min(b[0], n.lon), Math.min(b[1], n.lat), Math.max(b[2], n.lon), Math.max(b[3], n.lat)],
    [Infinity, Infinity, -Infinity, -Infinity],
  );
  const nano = (v: number) => Math.round(v * 1e9);
  parts.push(blobOf("OSMHeader", (pbf) => HeaderBlock.write({
    bbox: { left: nano(minLon), right: nano(maxLon), top: nano(maxLat), bottom: nano(minLat) },
    required_features: ["OsmSchema-V0.6", "DenseNodes"], writingprogram: "city-brain make-osm-fixture",
  }, pbf)));
  const BLOCK = 8000;
  for (let i = 0; i < f.nodes.length; i += BLOCK) {
    const st = new Strings();
    const chunk = f.nodes.slice(i, i + BLOCK);
    const keysVals: number[] = [];
    for (const n of chunk) {
      for (const [k, v] of Object.entries(n.tags ?? {})) keysVals.push(st.id(k), st.id(v));
      keysVals.push(0);
    }
    const infos = chunk.map((n) => infoOf(n.id));
    const denseinfo = withInfo ? {
      version: infos.map((i) => i.version),
      timestamp: delta(infos.map((i) => i.timestamp)),
      changeset: delta(infos.map((i) => i.changeset)),
      uid: delta(infos.map((i) => i.uid)),
      user_sid: delta(infos.map((i) => st.id(i.user))),
    } : undefined;
    const dense = {
      id: delta(chunk.map((n) => n.id)),
      denseinfo,
      lat: delta(chunk.map((n) => Math.round(n.lat * 1e7))),
      lon: delta(chunk.map((n) => Math.round(n.lon * 1e7))),
      keys_vals: keysVals,
    };
    parts.push(blobOf("OSMData", (pbf) => PrimitiveBlock.write({ stringtable: st.table(), primitivegroup: [{ dense }] }, pbf)));
  }
  for (let i = 0; i < f.ways.length; i += BLOCK) {
    const st = new Strings();
    const list = f.ways.slice(i, i + BLOCK).map((w) => ({
      id: w.id,
      keys: Object.keys(w.tags ?? {}).map((k) => st.id(k)),
      vals: Object.values(w.tags ?? {}).map((v) => st.id(v)),
      refs: delta(w.refs),
      info: withInfo ? (({ user, ...i }) => ({ ...i, user_sid: st.id(user) }))(infoOf(w.id)) : undefined,
    }));
    parts.push(blobOf("OSMData", (pbf) => PrimitiveBlock.write({ stringtable: st.table(), primitivegroup: [{ ways: list }] }, pbf)));
  }
  if (f.relations.length > 0) {
    const st = new Strings();
    const type = { node: 0, way: 1, relation: 2 } as const;
    const list = f.relations.map((r) => ({
      id: r.id,
      keys: Object.keys(r.tags ?? {}).map((k) => st.id(k)),
      vals: Object.values(r.tags ?? {}).map((v) => st.id(v)),
      roles_sid: r.members.map((m) => st.id(m.role)),
      memids: delta(r.members.map((m) => m.ref)),
      types: r.members.map((m) => type[m.type]),
    }));
    parts.push(blobOf("OSMData", (pbf) => PrimitiveBlock.write({ stringtable: st.table(), primitivegroup: [{ relations: list }] }, pbf)));
  }
  return Buffer.concat(parts);
}
