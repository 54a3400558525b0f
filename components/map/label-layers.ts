import { TextLayer } from "@deck.gl/layers";

export type LabelFeature = { text: string; position: [number, number]; rank: number; angle: number; minZoom: number };

const charSets = new Map<string, Set<string>>();

/**
 * The characters of some texts, as one Set per distinct set of characters (the same object
 * for the same characters). TextLayer's `characterSet: "auto"` makes a new Set whenever its
 * data changes, which rebuilds the font atlas (thousands of CJK glyphs rendered to a canvas)
 * at every zoom step that shows other labels; a fixed set builds it once.
 */
export function characterSetOf(texts: Iterable<string>): Set<string> {
  const chars = new Set<string>();
  for (const t of texts) for (const c of t) chars.add(c);
  const key = [...chars].sort().join("");
  let s = charSets.get(key);
  if (!s) {
    if (charSets.size > 16) charSets.clear();
    charSets.set(key, (s = new Set(key)));
  }
  return s;
}

/** The labels shown at a zoom: each from its own minimum zoom. */
export function labelsAt(labels: readonly LabelFeature[], zoom: number): LabelFeature[] {
  return labels.filter((l) => zoom >= l.minZoom);
}

/** Place labels (districts, major roads, water) drawn by deck.gl from the browser's fonts. */
export function labelLayer(labels: LabelFeature[], opts: { large?: boolean; characterSet?: Set<string> } = {}) {
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
    characterSet: opts.characterSet ?? characterSetOf(labels.map((l) => l.text)),
    fontFamily: '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif',
    billboard: true,
    updateTriggers: { getSize: k },
  });
}
