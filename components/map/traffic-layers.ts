import { PathLayer, ScatterplotLayer, TextLayer } from "@deck.gl/layers";
import { congestionColor } from "./traffic-colors";

export type SensorFeature = { id: string; segment: string; path: [number, number][]; position: [number, number] };
export type LabelFeature = { text: string; position: [number, number]; rank: number; angle: number; minZoom: number };
export type RatioLookup = (device: string) => number | undefined;

/**
 * Pure layer factory for the traffic view: sensored road segments and their sensors coloured
 * by the latest speed ratio, plus place labels. `version` must change when ratios change.
 */
export function trafficLayers(opts: {
  sensors: SensorFeature[];
  labels: LabelFeature[];
  ratioOf: RatioLookup;
  version: number;
  zoom: number;
}) {
  const { sensors, labels, ratioOf, version, zoom } = opts;
  return [
    new PathLayer<SensorFeature>({
      id: "traffic-segments",
      data: sensors,
      getPath: (d) => d.path,
      getColor: (d) => congestionColor(ratioOf(d.id)),
      getWidth: 5,
      widthUnits: "pixels",
      widthMinPixels: 3,
      capRounded: true,
      jointRounded: true,
      pickable: true,
      updateTriggers: { getColor: version },
    }),
    new ScatterplotLayer<SensorFeature>({
      id: "traffic-sensors",
      data: sensors,
      getPosition: (d) => d.position,
      getFillColor: (d) => congestionColor(ratioOf(d.id), 255),
      getLineColor: [15, 23, 42, 255],
      stroked: true,
      lineWidthMinPixels: 1,
      getRadius: 4,
      radiusUnits: "pixels",
      visible: zoom >= 13.5,
      updateTriggers: { getFillColor: version },
    }),
    new TextLayer<LabelFeature>({
      id: "place-labels",
      data: labels,
      getPosition: (d) => d.position,
      getAngle: (d) => d.angle,
      getText: (d) => d.text,
      getSize: (d) => (d.rank === 0 ? 18 : d.rank === 2 ? 14 : 12),
      getColor: [226, 232, 240, 255],
      outlineWidth: 3,
      outlineColor: [15, 23, 42, 255],
      fontSettings: { sdf: true },
      characterSet: "auto",
      fontFamily: '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif',
      billboard: true,
      visible: true,
    }),
  ];
}
