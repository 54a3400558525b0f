/**
 * Plane and sphere geometry used by the generator: a local metric projection around the
 * city's centre, rounding, lengths, points along polylines and polygon tests.
 */
import type { BBox, LonLat } from "./types";

/** A point in local metres: x east, y north of the projection's centre. */
export type XY = [number, number];

/** Converts between local metres and WGS84 around a centre (equirectangular, fine at city scale). */
export interface Projection {
  center: LonLat;
  toLonLat(x: number, y: number): LonLat;
  toXY(p: LonLat): XY;
}

/** Rounds to 6 decimals (about 0.1 m), the precision of every stored coordinate. */
export function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** Rounds to a number of decimals. */
export function roundTo(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

/** A local metric projection centred on `center`. Outputs are rounded to 6 decimals. */
export function makeProjection(center: LonLat): Projection {
  const phi = (center[1] * Math.PI) / 180;
  const mPerDegLat = 111132.92 - 559.82 * Math.cos(2 * phi) + 1.175 * Math.cos(4 * phi);
  const mPerDegLon = 111412.84 * Math.cos(phi) - 93.5 * Math.cos(3 * phi);
  return {
    center,
    toLonLat: (x, y) => [round6(center[0] + x / mPerDegLon), round6(center[1] + y / mPerDegLat)],
    toXY: (p) => [(p[0] - center[0]) * mPerDegLon, (p[1] - center[1]) * mPerDegLat],
  };
}

const EARTH_RADIUS_M = 6371008.8;

/** Great-circle distance in metres. */
export function haversineM(a: LonLat, b: LonLat): number {
  const toRad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * toRad;
  const dLon = (b[0] - a[0]) * toRad;
  const s =
    Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * toRad) * Math.cos(b[1] * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** Length of a WGS84 polyline in metres. */
export function polylineLengthM(coords: readonly LonLat[]): number {
  let total = 0;
  for (let i = 1; i < coords.length; i++) total += haversineM(coords[i - 1], coords[i]);
  return total;
}

/** Length of a local polyline in metres. */
export function polylineLengthXY(points: readonly XY[]): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    total += Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
  }
  return total;
}

/** The point at `fraction` (0..1) of a local polyline's length and the direction there (radians from east). */
export function pointAlongXY(points: readonly XY[], fraction: number): { point: XY; angle: number } {
  const total = polylineLengthXY(points);
  let remaining = Math.max(0, Math.min(1, fraction)) * total;
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (remaining <= len || i === points.length - 1) {
      const t = len === 0 ? 0 : Math.min(1, remaining / len);
      return { point: [x0 + (x1 - x0) * t, y0 + (y1 - y0) * t], angle: Math.atan2(y1 - y0, x1 - x0) };
    }
    remaining -= len;
  }
  return { point: points[0], angle: 0 };
}

/** Signed area of a ring in its own units (positive when counter-clockwise). */
export function signedArea(ring: readonly (readonly [number, number])[]): number {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    s += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return s / 2;
}

/** Returns the ring closed (first point repeated at the end) and turned counter-clockwise or clockwise. */
export function orientRing<T extends readonly [number, number]>(ring: T[], counterClockwise: boolean): T[] {
  const open = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1]
    ? ring.slice(0, -1)
    : ring.slice();
  const ccw = signedArea(open) > 0;
  const oriented = ccw === counterClockwise ? open : open.reverse();
  return [...oriented, oriented[0]];
}

/** Centroid of a ring (area-weighted). */
export function ringCentroid(ring: readonly (readonly [number, number])[]): [number, number] {
  let a = 0, cx = 0, cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    a += f;
    cx += (ring[j][0] + ring[i][0]) * f;
    cy += (ring[j][1] + ring[i][1]) * f;
  }
  if (a === 0) return [ring[0][0], ring[0][1]];
  return [cx / (3 * a), cy / (3 * a)];
}

/** Even-odd point-in-ring test. */
export function pointInRing(p: readonly [number, number], ring: readonly (readonly [number, number])[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Bounding box of a set of positions. */
export function bboxOf(points: Iterable<LonLat>): BBox {
  let minLon = Infinity, minLat = Infinity, maxLon = -Infinity, maxLat = -Infinity;
  for (const [lon, lat] of points) {
    if (lon < minLon) minLon = lon;
    if (lat < minLat) minLat = lat;
    if (lon > maxLon) maxLon = lon;
    if (lat > maxLat) maxLat = lat;
  }
  return [minLon, minLat, maxLon, maxLat];
}

/** Bearing of a direction given as an angle from east (radians), in degrees clockwise from north (0..360). */
export function bearingFromAngle(angle: number): number {
  const deg = 90 - (angle * 180) / Math.PI;
  return ((deg % 360) + 360) % 360;
}

/** Cubic smoothstep between edges a and b. */
export function smoothstep(a: number, b: number, x: number): number {
  const t = Math.max(0, Math.min(1, (x - a) / (b - a)));
  return t * t * (3 - 2 * t);
}

/** Gaussian bump of height 1 at `mu` with width `sigma`. */
export function gauss(x: number, mu: number, sigma: number): number {
  const d = (x - mu) / sigma;
  return Math.exp(-0.5 * d * d);
}
