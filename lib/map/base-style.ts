/**
 * The MapLibre base map of a city, built from the city model alone: inline GeoJSON sources for
 * the sea, rivers, islands, districts, parks, renewable sites and roads, with no glyphs, no
 * sprite and no URL, so the map makes no request. Labels are not in the style (MapLibre text
 * needs glyph files); `labelPoints` gives their texts and positions for deck.gl's TextLayer.
 */
import type { LayerSpecification, SourceSpecification, StyleSpecification } from "maplibre-gl";
import { cityToGeoJSON } from "../city/geojson";
import type { CityModel, GeoJsonFeatureCollection, LandUseKind, LonLat, RoadClass } from "../city/types";

/**
 * Colour scheme of the base map. Roads are neutral greys, lighter and wider by class: colour
 * on a road is kept for measured state (the traffic grades), so a road without sensors, or a
 * replay without data, never reads as slow or jammed (base-style.test.ts checks that no colour
 * of the style falls in the grade colours' hues).
 */
export type BaseTheme = "light" | "dark";

/** Options of `buildBaseStyle`. */
export interface BaseStyleOptions {
  theme: BaseTheme;
  /** Also draw points of interest as small dots at high zoom (default false). */
  pois?: boolean;
}

/** Ids of the style's sources. */
export const BASE_SOURCES = {
  water: "city-water",
  districts: "city-districts",
  parks: "city-parks",
  renewables: "city-renewables",
  roads: "city-roads",
  pois: "city-pois",
  landUse: "city-landuse",
  powerLines: "city-power-lines",
} as const;

interface Palette {
  land: string;
  sea: string;
  river: string;
  coastline: string;
  island: string;
  park: string;
  solar: string;
  wind: string;
  districts: string[];
  districtFillOpacity: number;
  districtOutline: string;
  roads: Record<RoadClass, { fill: string; casing: string }>;
  bridgeCasing: string;
  poi: string;
  /** Imported cities' land use (muted: colour on the map is for measured state) and power lines. */
  landUse: Record<LandUseKind, string>;
  powerLine: string;
}

const PALETTES: Record<BaseTheme, Palette> = {
  light: {
    land: "#f2efe9", sea: "#aad3df", river: "#aad3df", coastline: "#8db7c8", island: "#ece7dc",
    park: "#cde6c4", solar: "#f3e3a0", wind: "#cfe6ee",
    districts: ["#e9c8c8", "#c9dfc4", "#c8d3e9", "#ebe0b8", "#c3e2e2", "#e2c8e3"],
    districtFillOpacity: 0.22, districtOutline: "#9b8fb2",
    roads: {
      expressway: { fill: "#e2e2e2", casing: "#8c8c8c" },
      arterial: { fill: "#ffffff", casing: "#a6a6a6" },
      collector: { fill: "#ffffff", casing: "#c4c4c4" },
      local: { fill: "#ffffff", casing: "#d6d6d6" },
    },
    bridgeCasing: "#6b6b6b", poi: "#9a8c7a",
    landUse: {
      residential: "#e8e4de", commercial: "#e9e1e4", retail: "#e9e1e4", industrial: "#e1dfe6",
      farmland: "#eeecdc", forest: "#d5e2d0", grass: "#dde8d6", other: "#e9e6e0",
    },
    powerLine: "#7f7790",
  },
  dark: {
    land: "#1d2126", sea: "#0e2433", river: "#1b3445", coastline: "#4b5257", island: "#22272d",
    park: "#1e3226", solar: "#3d3a22", wind: "#1f3440",
    districts: ["#5a2f36", "#2f4a33", "#2f3a5a", "#574d2a", "#2a4f4f", "#4d2f52"],
    districtFillOpacity: 0.25, districtOutline: "#5f6b7e",
    roads: {
      expressway: { fill: "#777777", casing: "#2c2c2c" },
      arterial: { fill: "#616161", casing: "#282828" },
      collector: { fill: "#4e4e4e", casing: "#242424" },
      local: { fill: "#3f3f3f", casing: "#202020" },
    },
    bridgeCasing: "#0d0d0d", poi: "#7d8793",
    landUse: {
      residential: "#25292e", commercial: "#2b272b", retail: "#2b272b", industrial: "#27272e",
      farmland: "#2a2a24", forest: "#1f2a22", grass: "#222b24", other: "#24272b",
    },
    powerLine: "#8a8398",
  },
};

/** Line widths in pixels at zoom stops, by road class. */
const ROAD_WIDTHS: Record<RoadClass, [number, number][]> = {
  expressway: [[9, 1.2], [12, 2.6], [14, 5], [16, 12], [18, 28]],
  arterial: [[10, 0.9], [12, 1.8], [14, 4], [16, 10], [18, 24]],
  collector: [[11, 0.5], [13, 1.2], [14, 2.5], [16, 7], [18, 18]],
  local: [[12, 0.3], [13, 0.7], [14, 1.5], [16, 5], [18, 14]],
};
const ROAD_MINZOOM: Record<RoadClass, number> = { expressway: 0, arterial: 9, collector: 11, local: 12 };
const CLASSES_BOTTOM_UP: RoadClass[] = ["local", "collector", "arterial", "expressway"];

type LineLayer = Extract<LayerSpecification, { type: "line" }>;
type FillLayer = Extract<LayerSpecification, { type: "fill" }>;
type CircleLayer = Extract<LayerSpecification, { type: "circle" }>;
type LineWidth = NonNullable<NonNullable<LineLayer["paint"]>["line-width"]>;
type LineColor = NonNullable<NonNullable<LineLayer["paint"]>["line-color"]>;
type FillColor = NonNullable<NonNullable<FillLayer["paint"]>["fill-color"]>;
type CircleRadius = NonNullable<NonNullable<CircleLayer["paint"]>["circle-radius"]>;
type Filter = NonNullable<LineLayer["filter"]>;

function width(stops: [number, number][], extra: number): LineWidth {
  return ["interpolate", ["exponential", 1.5], ["zoom"], ...stops.flatMap(([z, w]) => [z, w + extra])] as LineWidth;
}

function geojson(data: GeoJsonFeatureCollection): SourceSpecification {
  return { type: "geojson", data };
}

/** Roads with only what the style draws by (class, bridge): a third of the full export's size. */
function roadsGeoJSON(city: CityModel): GeoJsonFeatureCollection {
  return {
    type: "FeatureCollection",
    features: city.network.segments.map((s) => ({
      type: "Feature", geometry: { type: "LineString", coordinates: s.geometry },
      properties: { class: s.class, bridge: s.bridge },
    })),
  };
}

/** Imported cities' land use other than parks (absent in a generated city). */
function landUseGeoJSON(city: CityModel): GeoJsonFeatureCollection {
  return {
    type: "FeatureCollection",
    features: (city.landUse ?? []).map((a) => ({ type: "Feature", geometry: { type: "Polygon", coordinates: a.polygon }, properties: { kind: a.kind } })),
  };
}

/** Imported cities' tagged power lines, with their voltage (absent in a generated city). */
function powerLinesGeoJSON(city: CityModel): GeoJsonFeatureCollection {
  return {
    type: "FeatureCollection",
    features: (city.energy.powerLines ?? []).map((l) => ({ type: "Feature", geometry: { type: "LineString", coordinates: l.geometry }, properties: { voltageKv: l.voltageKv, minor: l.minor } })),
  };
}

function renewablesGeoJSON(city: CityModel): GeoJsonFeatureCollection {
  return {
    type: "FeatureCollection",
    features: city.energy.renewables.map((r) => ({
      type: "Feature", id: r.id, geometry: { type: "Polygon", coordinates: r.polygon },
      properties: { id: r.id, kind: r.kind, offshore: r.offshore, nameZh: r.nameZh, nameEn: r.nameEn },
    })),
  };
}

/**
 * Builds a MapLibre style (version 8) for a city: water, districts (fill and outline), land use
 * and power lines where the model has them (imported cities), parks, renewable sites, roads by class (casing and fill, widths by zoom, bridges outlined) and,
 * optionally, points of interest. Every source is inline GeoJSON; there is no glyphs, sprite
 * or URL, so loading it makes no network request.
 */
export function buildBaseStyle(city: CityModel, options: BaseStyleOptions): StyleSpecification {
  const p = PALETTES[options.theme];
  const S = BASE_SOURCES;
  const sources: Record<string, SourceSpecification> = {
    [S.water]: geojson(cityToGeoJSON(city, "water")),
    [S.districts]: geojson(cityToGeoJSON(city, "districts")),
    [S.parks]: geojson(cityToGeoJSON(city, "parks")),
    [S.renewables]: geojson(renewablesGeoJSON(city)),
    [S.roads]: geojson(roadsGeoJSON(city)),
  };
  const kind = (k: string) => ["==", ["get", "kind"], k] as Filter;
  const districtColour = ["match", ["%", ["get", "colorIndex"], p.districts.length],
    ...p.districts.flatMap((c, i) => [i, c]), p.districts[0]] as unknown as FillColor;

  const layers: LayerSpecification[] = [
    { id: "background", type: "background", paint: { "background-color": p.land } },
    { id: "districts-fill", type: "fill", source: S.districts, paint: { "fill-color": districtColour, "fill-opacity": p.districtFillOpacity } },
  ];
  if (city.landUse?.length) {
    sources[S.landUse] = geojson(landUseGeoJSON(city));
    const kinds = Object.entries(p.landUse).flatMap(([k, c]) => [k, c]);
    layers.push({ id: "landuse-fill", type: "fill", source: S.landUse, paint: { "fill-color": ["match", ["get", "kind"], ...kinds, p.landUse.other] as unknown as FillColor, "fill-opacity": 0.9 } });
  }
  layers.push(
    { id: "parks-fill", type: "fill", source: S.parks, paint: { "fill-color": p.park } },
    { id: "sea-fill", type: "fill", source: S.water, filter: kind("sea"), paint: { "fill-color": p.sea } },
    { id: "islands-fill", type: "fill", source: S.water, filter: kind("island"), paint: { "fill-color": p.island } },
    { id: "rivers-fill", type: "fill", source: S.water, filter: kind("river"), paint: { "fill-color": p.river } },
    { id: "coastline", type: "line", source: S.water, filter: kind("coastline"), paint: { "line-color": p.coastline, "line-width": width([[8, 0.6], [14, 1.5], [18, 3]], 0) } },
    { id: "renewables-fill", type: "fill", source: S.renewables, paint: { "fill-color": ["match", ["get", "kind"], "solar", p.solar, "hydro", p.river, p.wind] as FillColor, "fill-opacity": 0.8, "fill-outline-color": p.districtOutline } },
    { id: "districts-outline", type: "line", source: S.districts, paint: { "line-color": p.districtOutline, "line-width": width([[8, 0.8], [14, 1.6], [18, 3]], 0), "line-dasharray": [3, 2] } },
  );
  const roadClass = (c: RoadClass) => ["==", ["get", "class"], c] as Filter;
  const lineLayout = { "line-cap": "round", "line-join": "round" } as const;
  for (const c of CLASSES_BOTTOM_UP) {
    layers.push({ id: `roads-${c}-casing`, type: "line", source: S.roads, minzoom: ROAD_MINZOOM[c], filter: roadClass(c), layout: lineLayout, paint: { "line-color": p.roads[c].casing, "line-width": width(ROAD_WIDTHS[c], 1.5) } });
  }
  for (const c of CLASSES_BOTTOM_UP) {
    layers.push({ id: `roads-${c}-fill`, type: "line", source: S.roads, minzoom: ROAD_MINZOOM[c], filter: roadClass(c), layout: lineLayout, paint: { "line-color": p.roads[c].fill, "line-width": width(ROAD_WIDTHS[c], 0) } });
  }
  const bridge = ["==", ["get", "bridge"], true] as Filter;
  layers.push(
    { id: "roads-bridge-casing", type: "line", source: S.roads, minzoom: 12, filter: bridge, layout: { "line-cap": "butt", "line-join": "round" }, paint: { "line-color": p.bridgeCasing, "line-width": width(ROAD_WIDTHS.arterial, 3) } },
    { id: "roads-bridge-fill", type: "line", source: S.roads, minzoom: 12, filter: bridge, layout: { "line-cap": "butt", "line-join": "round" }, paint: { "line-color": ["match", ["get", "class"], "expressway", p.roads.expressway.fill, "arterial", p.roads.arterial.fill, p.roads.collector.fill] as LineColor, "line-width": width(ROAD_WIDTHS.arterial, 0) } },
  );
  if (city.energy.powerLines?.length) {
    // Over the roads, thin and dashed, wider from 110 kV: the lines from zoom 10, minor lines from 13.
    sources[S.powerLines] = geojson(powerLinesGeoJSON(city));
    const paint = {
      "line-color": p.powerLine, "line-dasharray": [4, 2],
      "line-width": ["interpolate", ["linear"], ["zoom"], 10, ["case", [">=", ["get", "voltageKv"], 110], 0.9, 0.5], 16, ["case", [">=", ["get", "voltageKv"], 110], 2.4, 1.2]] as LineWidth,
    };
    layers.push(
      { id: "power-lines", type: "line", source: S.powerLines, minzoom: 10, filter: ["!", ["get", "minor"]] as Filter, paint },
      { id: "power-lines-minor", type: "line", source: S.powerLines, minzoom: 13, filter: ["==", ["get", "minor"], true] as Filter, paint },
    );
  }
  if (options.pois) {
    sources[S.pois] = geojson(cityToGeoJSON(city, "pois"));
    layers.push({ id: "pois", type: "circle", source: S.pois, minzoom: 14, paint: { "circle-color": p.poi, "circle-radius": ["interpolate", ["linear"], ["zoom"], 14, 1.5, 18, 4] as CircleRadius, "circle-opacity": 0.8 } });
  }

  const [minLon, minLat, maxLon, maxLat] = city.bbox;
  return {
    version: 8,
    name: `${city.nameEn} base (${options.theme})`,
    center: [(minLon + maxLon) / 2, (minLat + maxLat) / 2],
    zoom: 11,
    sources,
    layers,
  };
}

/** A label for deck.gl's TextLayer. */
export interface LabelPoint {
  id: string;
  kind: "district" | "road" | "water" | "island" | "park";
  nameZh: string;
  nameEn: string;
  position: LonLat;
  /** Text angle in degrees counter-clockwise (TextLayer's getAngle), kept within ±90 so text reads upright. */
  angle: number;
  /** 0 districts, 1 expressways and arterials, 2 sea, rivers and islands, 3 parks and collectors. */
  rank: number;
  /** Suggested zoom from which to show the label. */
  minZoom: number;
}

function angleOf(a: LonLat, b: LonLat): number {
  const k = Math.cos((((a[1] + b[1]) / 2) * Math.PI) / 180);
  let deg = (Math.atan2(b[1] - a[1], (b[0] - a[0]) * k) * 180) / Math.PI;
  if (deg > 90) deg -= 180;
  if (deg <= -90) deg += 180;
  return Math.round(deg * 10) / 10;
}

function midpoint(coords: readonly LonLat[]): { position: LonLat; angle: number } {
  const k = Math.cos((coords[0][1] * Math.PI) / 180);
  const len = (a: LonLat, b: LonLat) => Math.hypot((b[0] - a[0]) * k, b[1] - a[1]);
  let total = 0;
  for (let i = 1; i < coords.length; i++) total += len(coords[i - 1], coords[i]);
  let rest = total / 2;
  for (let i = 1; i < coords.length; i++) {
    const l = len(coords[i - 1], coords[i]);
    if (rest <= l || i === coords.length - 1) {
      const t = l === 0 ? 0 : Math.min(1, rest / l);
      const a = coords[i - 1], b = coords[i];
      return { position: [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t], angle: angleOf(a, b) };
    }
    rest -= l;
  }
  return { position: coords[0], angle: 0 };
}

function centroid(ring: readonly LonLat[]): LonLat {
  let sx = 0, sy = 0;
  const n = ring.length > 1 ? ring.length - 1 : ring.length;
  for (let i = 0; i < n; i++) { sx += ring[i][0]; sy += ring[i][1]; }
  return [sx / n, sy / n];
}

const round6 = (p: LonLat): LonLat => [Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6];

/**
 * Label texts and positions for the base map, drawn by deck.gl's TextLayer: district names at
 * their label points, names of expressways, arterials and collectors along their longer
 * segments (about one label per 2.5 km of road), the sea, rivers, islands and parks.
 */
export function labelPoints(city: CityModel): LabelPoint[] {
  const out: LabelPoint[] = [];
  for (const d of city.districts) {
    out.push({ id: `label-${d.id}`, kind: "district", nameZh: d.nameZh, nameEn: d.nameEn, position: d.labelPoint, angle: 0, rank: 0, minZoom: 9 });
  }

  // Roads: greedily the longest segments of each named road, spaced along it.
  const byRoad = new Map<string, typeof city.network.segments>();
  for (const s of city.network.segments) {
    if (!s.nameZh || s.class === "local") continue;
    let list = byRoad.get(s.roadId);
    if (!list) byRoad.set(s.roadId, (list = []));
    list.push(s);
  }
  const mPerDeg = 111_320;
  for (const [roadId, segs] of byRoad) {
    const totalM = segs.reduce((a, s) => a + s.lengthM, 0);
    const want = Math.max(1, Math.floor(totalM / 2500));
    const sorted = segs.slice().sort((a, b) => b.lengthM - a.lengthM || (a.id < b.id ? -1 : 1));
    const chosen: LonLat[] = [];
    for (const s of sorted) {
      if (chosen.length >= want || s.lengthM < 80) break;
      const m = midpoint(s.geometry);
      const k = Math.cos((m.position[1] * Math.PI) / 180);
      if (chosen.some((c) => Math.hypot((c[0] - m.position[0]) * k, c[1] - m.position[1]) * mPerDeg < 1800)) continue;
      chosen.push(m.position);
      const rank = s.class === "collector" ? 3 : 1;
      out.push({
        id: `label-${roadId}-${chosen.length}`, kind: "road", nameZh: s.nameZh!, nameEn: s.nameEn ?? s.nameZh!,
        position: round6(m.position), angle: m.angle, rank,
        minZoom: s.class === "expressway" ? 11 : s.class === "arterial" ? 13 : 15,
      });
    }
  }

  const w = city.waters;
  const [minLon, , maxLon, maxLat] = city.bbox;
  out.push({ id: "label-sea", kind: "water", nameZh: w.seaNameZh, nameEn: w.seaNameEn, position: round6([(minLon + maxLon) / 2, maxLat + 0.05]), angle: 0, rank: 2, minZoom: 8 });
  for (const r of w.rivers) {
    // Inside the city: the centre line between 45% and 65% of its length.
    const line = r.centerline.slice(Math.floor(r.centerline.length * 0.45), Math.ceil(r.centerline.length * 0.65));
    const m = midpoint(line.length >= 2 ? line : r.centerline);
    out.push({ id: `label-${r.id}`, kind: "water", nameZh: r.nameZh, nameEn: r.nameEn, position: round6(m.position), angle: m.angle, rank: 2, minZoom: 12 });
  }
  for (const isl of w.islands) {
    out.push({ id: `label-${isl.id}`, kind: "island", nameZh: isl.nameZh, nameEn: isl.nameEn, position: round6(centroid(isl.polygon[0])), angle: 0, rank: 2, minZoom: 11 });
  }
  for (const p of city.parks) {
    out.push({ id: `label-${p.id}`, kind: "park", nameZh: p.nameZh, nameEn: p.nameEn, position: round6(centroid(p.polygon[0])), angle: 0, rank: 3, minZoom: 13 });
  }
  return out;
}
