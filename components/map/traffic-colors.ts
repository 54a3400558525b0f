/**
 * Traffic grade palette: the five grades of the traffic performance index (畅通 … 严重拥堵,
 * lib/map/traffic-grade.ts) from blue (smooth) through orange to dark red (severely
 * congested). Blue-orange-red stays distinguishable for red-green colour-blind viewers,
 * unlike the usual green-yellow-red, and its steps also differ in lightness. The base map
 * draws roads in greys only, so any colour on a road is a measured state; a segment without
 * data is drawn thin and grey.
 */
import { GRADES, gradeOfSpeed, type Grade } from "@/lib/map/traffic-grade";
import type { RoadClass } from "@/lib/city/types";

export type RGBA = [number, number, number, number];

export const GRADE_COLORS: Record<Grade, [number, number, number]> = {
  smooth: [44, 123, 182],
  basic: [120, 190, 225],
  light: [253, 174, 97],
  moderate: [230, 85, 13],
  severe: [165, 15, 21],
};

/** Neutral grey: no reading (or a withheld speed). */
export const NO_DATA_COLOR: RGBA = [140, 140, 140, 170];

/** Colour of a grade; null gives the no-data colour. */
export function gradeColor(grade: Grade | null | undefined, alpha = 235): RGBA {
  if (!grade) return NO_DATA_COLOR;
  const c = GRADE_COLORS[grade];
  return [c[0], c[1], c[2], alpha];
}

/** Colour of a segment at `speedKmh` on a road of `roadClass` (its grade); no speed gives the no-data colour. */
export function trafficColor(speedKmh: number | null | undefined, roadClass: RoadClass, alpha = 235): RGBA {
  return gradeColor(gradeOfSpeed(speedKmh, roadClass), alpha);
}

/**
 * Hue ranges (degrees, [from, to], wrapping past 360) that the grade colours occupy, widened by
 * `margin`: a colour with saturation and value of at least `GRADE_HUE_MIN_SV` inside one of
 * them reads as a congestion state. The base map must have none (base-style.test.ts, e2e).
 */
export function gradeHueRanges(margin = 12): [number, number][] {
  return GRADES.map((g) => {
    const h = hsv(GRADE_COLORS[g]).h;
    return [(h - margin + 360) % 360, (h + margin) % 360] as [number, number];
  });
}
export const GRADE_HUE_MIN_SV = 0.4;

/** Hue (0–360), saturation and value (0–1) of an RGB colour. */
export function hsv(rgb: readonly number[]): { h: number; s: number; v: number } {
  const [r, g, b] = [rgb[0] / 255, rgb[1] / 255, rgb[2] / 255];
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = 60 * (((g - b) / d) % 6);
    else if (max === g) h = 60 * ((b - r) / d + 2);
    else h = 60 * ((r - g) / d + 4);
  }
  return { h: (h + 360) % 360, s: max === 0 ? 0 : d / max, v: max };
}

/** Whether an RGB colour falls in the grade colours' hue ranges with enough saturation and value to read as one. */
export function looksLikeGrade(rgb: readonly number[], ranges = gradeHueRanges()): boolean {
  const { h, s, v } = hsv(rgb);
  if (s < GRADE_HUE_MIN_SV || v < GRADE_HUE_MIN_SV) return false;
  return ranges.some(([a, b]) => (a <= b ? h >= a && h <= b : h >= a || h <= b));
}
