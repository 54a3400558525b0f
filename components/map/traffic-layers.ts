import { PathLayer, ScatterplotLayer } from "@deck.gl/layers";
import type { IncidentState, TrafficFeatures } from "@/lib/api/map-specs";
import { nextStamp, pathColors, pathValues, sameGeometry, xyz, type BinaryAttribute, type PathData, type PointData } from "./binary";
import { congestionColor, INCIDENT_COLORS } from "./palettes";
import type { TrafficValues } from "./layer-values";

/** Geometry of the traffic layer, built once per features answer and reused by every update. */
export type TrafficGeometry = {
  ids: string[];
  startIndices: Uint32Array;
  path: Float64Array;
  /** The position attributes, one object for the geometry's life (deck.gl compares them). */
  pathAttr: BinaryAttribute;
  signals: Float64Array;
  signalAttr: BinaryAttribute;
  signalIds: string[];
};

export function trafficGeometry(f: TrafficFeatures): TrafficGeometry {
  const path = Float64Array.from(f.sensors.path);
  const signals = xyz(f.signals.position);
  return {
    ids: f.sensors.ids,
    startIndices: Uint32Array.from(f.sensors.startIndices),
    path,
    pathAttr: { value: path, size: 2 },
    signals,
    signalAttr: { value: signals, size: 3 },
    signalIds: f.signals.ids,
  };
}

/** Line width in pixels for a flow in vehicles per hour (2 px with no data, 1.5 to 7 px). */
export function flowWidth(flow: number): number {
  if (!Number.isFinite(flow)) return 2;
  return 1.5 + 5.5 * Math.sqrt(Math.min(1, Math.max(0, flow / 6000)));
}

export type TrafficBinary = { segments: PathData; signals: PointData; incidents: IncidentState[]; ids: string[]; signalIds: string[]; stamp: number };

/** Binary attributes of the traffic layer for one set of values (a new object whenever values change). */
export function trafficBinary(g: TrafficGeometry, v: TrafficValues | null): TrafficBinary {
  const n = g.ids.length;
  return {
    segments: {
      length: n,
      startIndices: g.startIndices,
      attributes: {
        getPath: g.pathAttr,
        getColor: { value: pathColors(g.startIndices, (i) => congestionColor(v ? v.ratio[i] : null)), size: 4, normalized: true },
        getWidth: { value: pathValues(g.startIndices, (i) => flowWidth(v ? v.flow[i] : Number.NaN)), size: 1 },
      },
    },
    signals: { length: g.signals.length / 3, attributes: { getPosition: g.signalAttr } },
    incidents: (v?.incidents ?? []).filter((x) => x.lanesBlocked > 0 && x.status !== "resolved"),
    ids: g.ids,
    signalIds: g.signalIds,
    stamp: nextStamp(),
  };
}

export type LayerSettings = { visible: boolean; zoom: number; selectedId?: string | null };

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
 * Pure layer factory of the traffic view: sensored segments coloured by congestion index
 * (speed / free flow) with flow as width, signalised intersections from zoom 13, and the
 * incidents that block lanes. Hidden layers stay in the list (`visible`), so toggling
 * keeps their GPU buffers.
 */
export function trafficLayers(b: TrafficBinary, s: LayerSettings) {
  const selected = s.selectedId ? b.ids.indexOf(s.selectedId) : -1;
  return [
    new PathLayer({
      id: "traffic-segments",
      data: b.segments,
      // New values keep the geometry: only colours and widths are uploaded again.
      dataComparator: sameGeometry,
      updateTriggers: { getColor: b.stamp, getWidth: b.stamp },
      _pathType: "open",
      widthUnits: "pixels",
      widthMinPixels: 2,
      capRounded: true,
      jointRounded: true,
      pickable: true,
      visible: s.visible,
      highlightedObjectIndex: selected >= 0 ? selected : null,
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
  if (layerId === "traffic-signals") return b.signalIds[index] ?? null;
  if (layerId === "traffic-incidents") return (object as IncidentState | undefined)?.id ?? null;
  return null;
}

