/**
 * Colour-blind-safe palettes of the map layers. One meaning across layers: blue is slack or
 * free, orange is strained, dark red is overloaded or jammed (blue-orange-red stays apart
 * for red-green colour-blind viewers, unlike green-yellow-red); traffic uses five grade
 * colours of the same family (traffic-colors.ts). Categories use the
 * Okabe-Ito palette; magnitudes on the hexagon grid use viridis.
 */
import { NO_DATA_COLOR, type RGBA } from "./traffic-colors";

export { GRADE_COLORS, gradeColor, NO_DATA_COLOR, trafficColor, type RGBA } from "./traffic-colors";

type Stop = { at: number; rgb: [number, number, number] };

function ramp(stops: Stop[], v: number, alpha: number): RGBA {
  const x = Math.min(stops[stops.length - 1].at, Math.max(stops[0].at, v));
  for (let i = 1; i < stops.length; i++) {
    const a = stops[i - 1], b = stops[i];
    if (x <= b.at) {
      const t = b.at === a.at ? 0 : (x - a.at) / (b.at - a.at);
      return [
        Math.round(a.rgb[0] + (b.rgb[0] - a.rgb[0]) * t),
        Math.round(a.rgb[1] + (b.rgb[1] - a.rgb[1]) * t),
        Math.round(a.rgb[2] + (b.rgb[2] - a.rgb[2]) * t),
        alpha,
      ];
    }
  }
  const last = stops[stops.length - 1].rgb;
  return [last[0], last[1], last[2], alpha];
}

const gradient = (stops: Stop[], span: number) =>
  `linear-gradient(to right, ${stops.map((s) => `rgb(${s.rgb.join(",")}) ${Math.round(((s.at - stops[0].at) / span) * 100)}%`).join(", ")})`;

/** The colours of "slack to overloaded" (and "fast to slow"): blue, light blue, orange, red, dark red. */
const BLUE_TO_DARK_RED: [number, number, number][] = [
  [44, 123, 182],
  [171, 217, 233],
  [253, 174, 97],
  [215, 25, 28],
  [103, 0, 13],
];
/** Stops at the given values, one colour each in order. */
const stopsAt = (ats: readonly number[], rgbs: readonly [number, number, number][]): Stop[] => ats.map((at, i) => ({ at, rgb: rgbs[i] }));

/**
 * A colour scale: a value's colour on `stops` (clamped to their range) with `alpha`, by
 * default `defaultAlpha`; a missing or non-finite value is `none`.
 */
const colorScale =
  (stops: Stop[], none: RGBA, defaultAlpha: number) =>
  (v: number | null | undefined, alpha = defaultAlpha): RGBA =>
    v == null || !Number.isFinite(v) ? none : ramp(stops, v, alpha);
const TRANSPARENT: RGBA = [0, 0, 0, 0];

/** Load as a share of capacity: blue (slack) to dark red (at or over capacity). */
export const LOAD_STOPS = stopsAt([0, 0.5, 0.75, 0.9, 1.05], BLUE_TO_DARK_RED);
export const loadColor = colorScale(LOAD_STOPS, NO_DATA_COLOR, 235);
export const loadGradientCss = () => gradient(LOAD_STOPS, 1.05);

/** Viridis, for magnitudes on the hexagon grid (consumption). */
export const VIRIDIS: Stop[] = [
  { at: 0, rgb: [68, 1, 84] },
  { at: 0.25, rgb: [59, 82, 139] },
  { at: 0.5, rgb: [33, 145, 140] },
  { at: 0.75, rgb: [94, 201, 98] },
  { at: 1, rgb: [253, 231, 37] },
];
export const magnitudeColor = colorScale(VIRIDIS, TRANSPARENT, 150);
export const viridisGradientCss = () => gradient(VIRIDIS, 1);

/**
 * Response minutes from the nearest station: blue (fast) to dark red (slow). Drawn light
 * (alpha 55 of 255) so the roads and the other layers stay readable through the hexagons.
 */
export const RESPONSE_STOPS = stopsAt([2, 5, 8, 12, 16], BLUE_TO_DARK_RED);
export const responseColor = colorScale(RESPONSE_STOPS, TRANSPARENT, 55);
export const responseGradientCss = () => gradient(RESPONSE_STOPS, 14);

/** Okabe-Ito categories. */
export const OKABE_ITO = {
  orange: [230, 159, 0],
  skyBlue: [86, 180, 233],
  bluishGreen: [0, 158, 115],
  yellow: [240, 228, 66],
  blue: [0, 114, 178],
  vermillion: [213, 94, 0],
  reddishPurple: [204, 121, 167],
  grey: [150, 160, 175],
} as const satisfies Record<string, [number, number, number]>;

export const INCIDENT_COLORS: Record<string, [number, number, number]> = {
  accident: OKABE_ITO.orange,
  fire: OKABE_ITO.vermillion,
  crime: OKABE_ITO.reddishPurple,
  hazard: OKABE_ITO.yellow,
};
export const STATION_COLORS: Record<string, [number, number, number]> = {
  "police-bureau": OKABE_ITO.blue,
  "police-station": OKABE_ITO.skyBlue,
  "fire-station": OKABE_ITO.vermillion,
};
export const RENEWABLE_COLORS: Record<string, [number, number, number]> = { solar: OKABE_ITO.yellow, wind: OKABE_ITO.skyBlue, hydro: OKABE_ITO.blue };
/** Camera state codes: 0 offline, 1 online, 2.. alerts (congestion, accident, fire, crowd). */
export const CAMERA_STATE_COLORS: [number, number, number][] = [
  OKABE_ITO.grey,
  OKABE_ITO.bluishGreen,
  OKABE_ITO.orange,
  OKABE_ITO.vermillion,
  OKABE_ITO.vermillion,
  OKABE_ITO.reddishPurple,
];
export const OUTAGE_COLOR: RGBA = [204, 121, 167, 255];

export const rgbCss = (c: readonly number[], a = 1) => `rgba(${c[0]},${c[1]},${c[2]},${a})`;
