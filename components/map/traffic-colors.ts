/**
 * Congestion palette: speed as a share of free flow, from blue (free) through orange to
 * dark red (jammed). Blue-orange-red stays distinguishable for red-green colour-blind viewers,
 * unlike the usual green-yellow-red.
 */
export type RGBA = [number, number, number, number];

const STOPS: { at: number; rgb: [number, number, number] }[] = [
  { at: 0.0, rgb: [103, 0, 13] },
  { at: 0.3, rgb: [215, 25, 28] },
  { at: 0.55, rgb: [253, 174, 97] },
  { at: 0.8, rgb: [171, 217, 233] },
  { at: 1.0, rgb: [44, 123, 182] },
];

export const NO_DATA_COLOR: RGBA = [120, 130, 150, 140];

/** Colour for a speed ratio in [0, 1] (clamped); NaN or null gives the no-data colour. */
export function congestionColor(ratio: number | null | undefined, alpha = 235): RGBA {
  if (ratio == null || !Number.isFinite(ratio)) return NO_DATA_COLOR;
  const r = Math.min(1, Math.max(0, ratio));
  for (let i = 1; i < STOPS.length; i++) {
    const a = STOPS[i - 1];
    const b = STOPS[i];
    if (r <= b.at) {
      const t = (r - a.at) / (b.at - a.at);
      return [
        Math.round(a.rgb[0] + (b.rgb[0] - a.rgb[0]) * t),
        Math.round(a.rgb[1] + (b.rgb[1] - a.rgb[1]) * t),
        Math.round(a.rgb[2] + (b.rgb[2] - a.rgb[2]) * t),
        alpha,
      ];
    }
  }
  const last = STOPS[STOPS.length - 1].rgb;
  return [last[0], last[1], last[2], alpha];
}

/** CSS linear-gradient for the legend, from jammed (left) to free flow (right). */
export function congestionGradientCss(): string {
  return `linear-gradient(to right, ${STOPS.map((s) => `rgb(${s.rgb.join(",")}) ${s.at * 100}%`).join(", ")})`;
}
