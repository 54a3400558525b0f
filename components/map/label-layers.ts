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

/** A label placed at a zoom, with its size in pixels. */
export type PlacedLabel = LabelFeature & { size: number };

const CJK = /[\u3000-\u9fff\uff00-\uffef]/;
/** Place first: districts, then water, then major roads, then collectors. */
const PRIORITY: Record<number, number> = { 0: 0, 2: 1, 1: 2, 3: 3 };
/** Pixels kept free around each label. */
const GAP_PX = 6;
/** The same name again only this far away (pixels between centres). */
const REPEAT_PX = 480;

/**
 * A label's size in pixels at a zoom. Chinese characters need more pixels than Latin
 * letters to stay legible (at 13 px their strokes merge into grey), and street labels grow
 * as the map zooms in, where there is room.
 */
export function labelSize(l: Pick<LabelFeature, "rank" | "text">, zoom: number): number {
  const cjk = CJK.test(l.text);
  if (l.rank === 0) return zoom >= 13 ? 22 : 20;
  if (l.rank === 2) return 15;
  const base = cjk ? 15 : 13;
  return base + (zoom >= 15 ? 2 : zoom >= 14 ? 1 : 0);
}

/** The pixel width of a text at a size (CJK characters are square, Latin letters about half). */
function textWidth(text: string, size: number): number {
  let w = 0;
  for (const c of text) w += CJK.test(c) ? size : c === " " ? size * 0.3 : size * 0.58;
  return w;
}

/** Web Mercator pixel coordinates at a zoom (512-pixel tiles, as MapLibre). */
function worldPx([lon, lat]: [number, number], zoom: number): [number, number] {
  const scale = 512 * 2 ** zoom;
  const phi = (lat * Math.PI) / 180;
  return [((lon + 180) / 360) * scale, ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * scale];
}

/** A view of the map, north up and flat: its centre, zoom and size in the map's pixels. */
export type LabelView = { center: [number, number]; zoom: number; width: number; height: number };

/**
 * The labels shown at a zoom: each from its own minimum zoom, then thinned by collision, as
 * MapLibre places symbols: in order of importance (districts, water, major roads,
 * collectors), a label is dropped when its box (rotated with it) comes within a few pixels
 * of one already placed, or when the same name was placed less than REPEAT_PX away (an
 * expressway's name repeated along it, or two carriageways of one road). Pure, so the
 * same labels at the same zoom step give the same answer; `scale` enlarges every label
 * (the wall's large type). With a `view`, a label whose box does not lie wholly inside it
 * is left out (before collision, so it takes no room from others): no name is cut in half
 * at the map's edge.
 */
export function labelsAt(labels: readonly LabelFeature[], zoom: number, scale = 1, view?: LabelView): PlacedLabel[] {
  const centre = view ? worldPx(view.center, view.zoom) : null;
  const cands = labels
    .map((l, i) => ({ l, i }))
    .filter(({ l }) => zoom >= l.minZoom)
    .sort((a, b) => (PRIORITY[a.l.rank] ?? 9) - (PRIORITY[b.l.rank] ?? 9) || a.i - b.i);
  const boxes: { x0: number; y0: number; x1: number; y1: number }[] = [];
  const named = new Map<string, [number, number][]>();
  const out: PlacedLabel[] = [];
  for (const { l } of cands) {
    const size = labelSize(l, zoom) * scale;
    const [x, y] = worldPx(l.position, zoom);
    const same = named.get(l.text) ?? [];
    if (same.some(([px, py]) => Math.hypot(px - x, py - y) < REPEAT_PX * scale)) continue;
    const w = textWidth(l.text, size) + GAP_PX, h = size * 1.25 + GAP_PX;
    const a = (l.angle * Math.PI) / 180;
    const hw = (Math.abs(w * Math.cos(a)) + Math.abs(h * Math.sin(a))) / 2;
    const hh = (Math.abs(w * Math.sin(a)) + Math.abs(h * Math.cos(a))) / 2;
    if (view && centre) {
      const [vx, vy] = worldPx(l.position, view.zoom);
      if (Math.abs(vx - centre[0]) + hw > view.width / 2 || Math.abs(vy - centre[1]) + hh > view.height / 2) continue;
    }
    const box = { x0: x - hw, y0: y - hh, x1: x + hw, y1: y + hh };
    if (boxes.some((b) => b.x0 < box.x1 && box.x0 < b.x1 && b.y0 < box.y1 && box.y0 < b.y1)) continue;
    boxes.push(box);
    same.push([x, y]);
    named.set(l.text, same);
    out.push({ ...l, size });
  }
  return out;
}

/**
 * Place labels (districts, major roads, water) drawn by deck.gl from the browser's fonts,
 * at the sizes labelsAt placed them (others by rank). The glyph atlas is a signed distance
 * field rendered at 64 px from the CJK font, with a small radius and a bold weight, so that
 * Chinese strokes stay sharp and distinct at 15-17 px instead of blurring.
 */
export function labelLayer(labels: (LabelFeature | PlacedLabel)[], opts: { large?: boolean; characterSet?: Set<string> } = {}) {
  const k = opts.large ? 1.5 : 1;
  return new TextLayer<LabelFeature | PlacedLabel>({
    id: "place-labels",
    data: labels,
    getPosition: (d) => d.position,
    getAngle: (d) => d.angle,
    getText: (d) => d.text,
    getSize: (d) => ("size" in d ? d.size : k * labelSize(d, 12)),
    getColor: [226, 232, 240, 255],
    // A thin outline: a thick one fills the strokes of Chinese characters at road-label size.
    outlineWidth: 1.5,
    outlineColor: [15, 23, 42, 255],
    fontSettings: { sdf: true, fontSize: 64, buffer: 6, radius: 8, smoothing: 0.12 },
    fontWeight: 600,
    characterSet: opts.characterSet ?? characterSetOf(labels.map((l) => l.text)),
    fontFamily: '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif',
    billboard: true,
    updateTriggers: { getSize: k },
  });
}
