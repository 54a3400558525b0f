import { PathLayer, ScatterplotLayer } from "@deck.gl/layers";
import type { IncidentState, TrafficFeatures } from "@/lib/api/map-specs";
import { colors, nextStamp, pathColors, pathValues, sameGeometry, values, xyz, type BinaryAttribute, type PathData, type PointData } from "./binary";
import { pathSegments, simplifyPaths } from "@/lib/map/simplify-paths";
import type { RoadClass } from "@/lib/city/types";
import { INCIDENT_COLORS, trafficColor } from "./palettes";
import type { TrafficValues } from "./layer-values";
import { SegmentLineLayer, segmentLines } from "./segment-line-layer";

/** One set of segments drawn by one path layer: its own paths, and which feature each is. */
export type SegmentSet = {
  ids: string[];
  /** Free-flow speed and road class of each path (speed = ratio × free flow; the class sets the grade thresholds). */
  freeFlowKmh: Float32Array;
  roadClass: RoadClass[];
  /** Index of each path in the layer's features (where its values are). */
  feature: Uint32Array;
  startIndices: Uint32Array;
  /** The position attribute, one object for the geometry's life (deck.gl compares them). */
  pathAttr: BinaryAttribute;
};

/**
 * The major segments as drawn below MINOR_SEGMENT_ZOOM: each path thinned to what half a pixel
 * at zoom 12 shows (simplifyPaths) and cut into straight segments for a LineLayer, which draws
 * one instance of 4 vertices per segment where a PathLayer draws one of 12 per vertex (every
 * path's last vertex included). Every sensored path keeps its place and its colour.
 */
export type CitySegments = {
  length: number;
  /** The path (of the major set) each segment belongs to. */
  path: Uint32Array;
  /** Position attributes, one object each for the geometry's life (deck.gl compares them). */
  sourceAttr: BinaryAttribute;
  targetAttr: BinaryAttribute;
};

/** Geometry of the traffic layer, built once per features answer and reused by every update. */
export type TrafficGeometry = {
  ids: string[];
  /** Expressways and arterials (free flow 50 km/h and more): drawn at every zoom. */
  major: SegmentSet;
  /** The major segments at city zoom (below MINOR_SEGMENT_ZOOM). */
  majorCity: CitySegments;
  /** Collectors and local streets: drawn from MINOR_SEGMENT_ZOOM, as the base map draws them. */
  minor: SegmentSet;
  signals: Float64Array;
  signalAttr: BinaryAttribute;
  signalIds: string[];
};

/**
 * Below this zoom only expressways and arterials are drawn: with the whole city on screen,
 * collectors and local streets are a pixel or less apart, and drawing them (40% of the
 * sensored segments) costs frame time without showing anything the arterials do not.
 */
export const MINOR_SEGMENT_ZOOM = 12;
/** Free-flow speed from which a road counts as major (arterials 50–60 km/h, expressways 80+). */
const MAJOR_FREE_FLOW_KMH = 50;
/** City-zoom geometry is thinned to this many pixels at this zoom (less at every zoom it is drawn at). */
const CITY_TOLERANCE_PX = 0.5;

/** A set's paths simplified for city zoom, as straight segments. */
export function citySegments(set: Pick<SegmentSet, "startIndices" | "pathAttr">): CitySegments {
  const seg = pathSegments(simplifyPaths({ startIndices: set.startIndices, positions: set.pathAttr.value }, MINOR_SEGMENT_ZOOM, CITY_TOLERANCE_PX));
  return { length: seg.path.length, path: seg.path, sourceAttr: { value: seg.source, size: 3 }, targetAttr: { value: seg.target, size: 3 } };
}

function segmentSet(f: TrafficFeatures, pick: (i: number) => boolean): SegmentSet {
  const { ids, startIndices: starts, path } = f.sensors;
  const feature: number[] = [];
  let vertices = 0;
  for (let i = 0; i < ids.length; i++) {
    if (!pick(i)) continue;
    feature.push(i);
    vertices += starts[i + 1] - starts[i];
  }
  const startIndices = new Uint32Array(feature.length + 1);
  const out = new Float64Array(vertices * 2);
  let v = 0;
  feature.forEach((i, k) => {
    startIndices[k] = v;
    for (let j = starts[i]; j < starts[i + 1]; j++, v++) {
      out[2 * v] = path[2 * j];
      out[2 * v + 1] = path[2 * j + 1];
    }
  });
  startIndices[feature.length] = v;
  return {
    ids: feature.map((i) => ids[i]),
    freeFlowKmh: Float32Array.from(feature, (i) => f.sensors.freeFlowKmh[i] ?? Number.NaN),
    roadClass: feature.map((i) => f.sensors.roadClass?.[i] ?? "local"),
    feature: Uint32Array.from(feature),
    startIndices,
    pathAttr: { value: out, size: 2 },
  };
}

export function trafficGeometry(f: TrafficFeatures): TrafficGeometry {
  const signals = xyz(f.signals.position);
  const major = (i: number) => !(f.sensors.freeFlowKmh?.[i] < MAJOR_FREE_FLOW_KMH);
  const majorSet = segmentSet(f, major);
  return {
    ids: f.sensors.ids,
    major: majorSet,
    majorCity: citySegments(majorSet),
    minor: segmentSet(f, (i) => !major(i)),
    signals,
    signalAttr: { value: signals, size: 3 },
    signalIds: f.signals.ids,
  };
}

/** Line width in pixels for a flow in vehicles per hour (2 px with a speed but no flow, 1.5 to 7 px). */
export function flowWidth(flow: number): number {
  if (!Number.isFinite(flow)) return 2;
  return 1.5 + 5.5 * Math.sqrt(Math.min(1, Math.max(0, flow / 6000)));
}
/** Width of a segment without a reading: a thin grey line, so no data never looks like a state. */
export const NO_DATA_WIDTH = 1;

/** A LineLayer's binary data: one instance per segment. */
export type LineData = { length: number; attributes: Record<string, BinaryAttribute> };

export type TrafficBinary = {
  segments: PathData;
  /** The major segments at city zoom, and the path (index into `ids`) of each. */
  city: LineData;
  cityPath: Uint32Array;
  minor: PathData;
  signals: PointData;
  incidents: IncidentState[];
  /** Feature ids of the major and minor segments, in their layers' order. */
  ids: string[];
  minorIds: string[];
  signalIds: string[];
  stamp: number;
};

/** Speed of path k of a set: its speed ratio times its free-flow speed (NaN without a reading). */
const speedOf = (set: SegmentSet, v: TrafficValues | null, k: number) => (v ? v.ratio[set.feature[k]] * set.freeFlowKmh[k] : Number.NaN);

function segmentData(set: SegmentSet, v: TrafficValues | null): PathData {
  return {
    length: set.ids.length,
    startIndices: set.startIndices,
    attributes: {
      getPath: set.pathAttr,
      getColor: { value: pathColors(set.startIndices, (k) => colorOf(set, v, k)), size: 4, normalized: true },
      getWidth: { value: pathValues(set.startIndices, (k) => widthOf(set, v, k)), size: 1 },
    },
  };
}

/** Colour and width of path k of a set, as its path layer draws it. */
const colorOf = (set: SegmentSet, v: TrafficValues | null, k: number) => trafficColor(speedOf(set, v, k), set.roadClass[k]);
const widthOf = (set: SegmentSet, v: TrafficValues | null, k: number) => (Number.isFinite(speedOf(set, v, k)) ? flowWidth(v ? v.flow[set.feature[k]] : Number.NaN) : NO_DATA_WIDTH);

/** The city-zoom segments' attributes: each segment coloured and sized as its path. */
function cityData(c: CitySegments, set: SegmentSet, v: TrafficValues | null): LineData {
  return {
    length: c.length,
    attributes: {
      getSourcePosition: c.sourceAttr,
      getTargetPosition: c.targetAttr,
      getColor: { value: colors(c.length, (i) => colorOf(set, v, c.path[i])), size: 4, normalized: true },
      getWidth: { value: values(c.length, (i) => widthOf(set, v, c.path[i])), size: 1 },
    },
  };
}

/** Binary attributes of the traffic layer for one set of values (a new object whenever values change). */
export function trafficBinary(g: TrafficGeometry, v: TrafficValues | null): TrafficBinary {
  return {
    segments: segmentData(g.major, v),
    city: cityData(g.majorCity, g.major, v),
    cityPath: g.majorCity.path,
    minor: segmentData(g.minor, v),
    signals: { length: g.signals.length / 3, attributes: { getPosition: g.signalAttr } },
    incidents: (v?.incidents ?? []).filter((x) => x.lanesBlocked > 0 && x.status !== "resolved"),
    ids: g.major.ids,
    minorIds: g.minor.ids,
    signalIds: g.signalIds,
    stamp: nextStamp(),
  };
}

export type LayerSettings = {
  visible: boolean;
  zoom: number;
  selectedId?: string | null;
  /**
   * Whether the map has been at MINOR_SEGMENT_ZOOM or closer: the street-zoom layers (full
   * paths) are made from then on and kept (hidden when zoomed out again). Before, only the
   * city-zoom layers exist: deck.gl initialises hidden layers too (their buffers, their
   * programs). Unset: made at once.
   */
  streets?: boolean;
};

/** Incident markers: colour by type (Okabe-Ito), size by severity, hollow once resolved. */
export function incidentLayer(id: string, data: IncidentState[], visible: boolean) {
  return new ScatterplotLayer<IncidentState>({
    id,
    data,
    visible,
    pickable: true,
    stroked: true,
    filled: true,
    radiusUnits: "pixels",
    lineWidthUnits: "pixels",
    getPosition: (d) => d.position,
    getRadius: (d) => 5 + 3 * Math.min(3, Math.max(1, d.severity)),
    getFillColor: (d) => {
      const c = INCIDENT_COLORS[d.type] ?? [255, 255, 255];
      return d.status === "resolved" ? [c[0], c[1], c[2], 40] : [c[0], c[1], c[2], d.status === "reported" ? 255 : 220];
    },
    getLineColor: (d) => (d.status === "resolved" ? [...(INCIDENT_COLORS[d.type] ?? [255, 255, 255]), 255] as [number, number, number, number] : [255, 255, 255, 255]),
    getLineWidth: (d) => (d.status === "reported" ? 3 : 2),
    updateTriggers: { getFillColor: data, getLineColor: data },
  });
}

/**
 * Pure layer factory of the traffic view: sensored segments coloured by their traffic grade
 * (畅通 … 严重拥堵 by speed and road class, lib/map/traffic-grade.ts) with flow as width, thin
 * grey without a reading, signalised intersections from zoom 13, and the
 * incidents that block lanes. Hidden layers stay in the list (`visible`), so toggling
 * keeps their GPU buffers.
 */
export function trafficLayers(b: TrafficBinary, s: LayerSettings) {
  const streets = s.zoom >= MINOR_SEGMENT_ZOOM;
  const segments = (id: string, data: PathData, ids: string[], visible: boolean) => {
    const selected = s.selectedId ? ids.indexOf(s.selectedId) : -1;
    return new PathLayer({
      id,
      data,
      // New values keep the geometry: only colours and widths are uploaded again.
      dataComparator: sameGeometry,
      updateTriggers: { getColor: b.stamp, getWidth: b.stamp },
      _pathType: "open",
      widthUnits: "pixels",
      widthMinPixels: 1,
      capRounded: true,
      jointRounded: true,
      pickable: true,
      visible,
      highlightedObjectIndex: selected >= 0 ? selected : null,
      highlightColor: [255, 255, 255, 200],
    });
  };
  // The selected path's first city segment (a major path is one segment at city zoom in 96 of 100 cases).
  const selected = s.selectedId ? b.ids.indexOf(s.selectedId) : -1;
  const citySelected = selected >= 0 ? b.cityPath.indexOf(selected) : -1;
  return [
    ...(s.streets === false
      ? []
      : [segments("traffic-segments-minor", b.minor, b.minorIds, s.visible && streets), segments("traffic-segments", b.segments, b.ids, s.visible && streets)]),
    new SegmentLineLayer({
      id: "traffic-segments-city",
      data: segmentLines(b.city),
      dataComparator: sameGeometry,
      updateTriggers: { getColor: b.stamp, getWidth: b.stamp },
      widthUnits: "pixels",
      widthMinPixels: 1,
      pickable: true,
      visible: s.visible && !streets,
      highlightedObjectIndex: citySelected >= 0 ? citySelected : null,
      highlightColor: [255, 255, 255, 200],
    }),
    new ScatterplotLayer({
      id: "traffic-signals",
      data: b.signals,
      visible: s.visible && s.zoom >= 13,
      radiusUnits: "pixels",
      getRadius: 2.5,
      getFillColor: [241, 245, 249, 230],
      stroked: true,
      getLineColor: [15, 23, 42, 255],
      lineWidthMinPixels: 1,
      pickable: true,
    }),
    incidentLayer("traffic-incidents", b.incidents, s.visible),
  ];
}

/** Feature id of a picked object of the traffic layers, if any. */
export function trafficPick(b: TrafficBinary, layerId: string, index: number, object: unknown): string | null {
  if (layerId === "traffic-segments") return b.ids[index] ?? null;
  if (layerId === "traffic-segments-minor") return b.minorIds[index] ?? null;
  if (layerId === "traffic-segments-city") return b.ids[b.cityPath[index]] ?? null;
  if (layerId === "traffic-signals") return b.signalIds[index] ?? null;
  if (layerId === "traffic-incidents") return (object as IncidentState | undefined)?.id ?? null;
  return null;
}

