import { TextLayer } from "@deck.gl/layers";

export type LabelFeature = { text: string; position: [number, number]; rank: number; angle: number; minZoom: number };

/** Place labels (districts, major roads, water) drawn by deck.gl from the browser's fonts. */
export function labelLayer(labels: LabelFeature[], opts: { large?: boolean } = {}) {
  const k = opts.large ? 1.5 : 1;
  return new TextLayer<LabelFeature>({
    id: "place-labels",
    data: labels,
    getPosition: (d) => d.position,
    getAngle: (d) => d.angle,
    getText: (d) => d.text,
    getSize: (d) => k * (d.rank === 0 ? 18 : d.rank === 2 ? 14 : 13),
    getColor: [226, 232, 240, 255],
    // A thin outline: a thick one fills the strokes of Chinese characters at road-label size.
    outlineWidth: 1.5,
    outlineColor: [15, 23, 42, 255],
    fontSettings: { sdf: true, fontSize: 64, buffer: 6, radius: 10 },
    characterSet: "auto",
    fontFamily: '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif',
    billboard: true,
    updateTriggers: { getSize: k },
  });
}
