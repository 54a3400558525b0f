/**
 * Circles on the city map, in metres, as the scoped read measures them (equirectangular at
 * the circle's latitude, lib/access/scope-sql.ts withinArea): exact enough at city scale.
 * Pure, so the server's rule (terms.ts) and the browser's map picker use the same arithmetic.
 */
export type LonLat = { lon: number; lat: number };
export type Circle = LonLat & { radiusM: number };

const M_PER_DEG_LAT = 110_540;
const mPerDegLon = (lat: number) => 111_320 * Math.cos((lat * Math.PI) / 180);

/** Metres from `a` to `b`, measured at a's latitude. */
export function distanceM(a: LonLat, b: LonLat): number {
  return Math.hypot((b.lon - a.lon) * mPerDegLon(a.lat), (b.lat - a.lat) * M_PER_DEG_LAT);
}

/** The point `east` and `north` metres from `p` (negative: west, south). */
export function offsetM(p: LonLat, east: number, north: number): LonLat {
  return { lon: p.lon + east / mPerDegLon(p.lat), lat: p.lat + north / M_PER_DEG_LAT };
}

/**
 * Whether circle `inner` lies inside circle `outer` (no outer circle: everywhere, so any
 * circle is inside): the distance between the centres plus the inner radius is at most the
 * outer radius, with a centimetre of slack for rounded coordinates.
 */
export function areaInside(inner: Circle, outer: Circle | null): boolean {
  if (!outer) return true;
  return distanceM(outer, inner) + inner.radiusM <= outer.radiusM + 0.01;
}

/** The circle as a closed ring of `n` [lon, lat] vertices (plus the first again), for a GeoJSON polygon. */
export function circleRing(c: Circle, n = 64): [number, number][] {
  const ring: [number, number][] = [];
  for (let i = 0; i <= n; i++) {
    const a = (2 * Math.PI * (i % n)) / n;
    const p = offsetM(c, c.radiusM * Math.cos(a), c.radiusM * Math.sin(a));
    ring.push([p.lon, p.lat]);
  }
  return ring;
}

/** The [west, south, east, north] box around the circles (null when there are none). */
export function circlesBounds(circles: readonly Circle[]): [number, number, number, number] | null {
  if (circles.length === 0) return null;
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const c of circles) {
    const sw = offsetM(c, -c.radiusM, -c.radiusM), ne = offsetM(c, c.radiusM, c.radiusM);
    w = Math.min(w, sw.lon);
    s = Math.min(s, sw.lat);
    e = Math.max(e, ne.lon);
    n = Math.max(n, ne.lat);
  }
  return [w, s, e, n];
}
