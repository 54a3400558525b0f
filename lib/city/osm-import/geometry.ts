/**
 * Geometry helpers of the OSM import: joining ways into rings and chains, buffering a line
 * into a polygon, and closing a coastline into a sea polygon over a box.
 */
import { orientRing, signedArea } from "../geo";
import type { BBox, LonLat } from "../types";

const same = (a: LonLat, b: LonLat) => a[0] === b[0] && a[1] === b[1];

/**
 * Joins polylines end to end (reversing them where needed unless `keepDirection`) into as
 * few chains as possible. Input order decides the result, so the same input gives the same chains.
 */
export function joinLines(lines: readonly LonLat[][], keepDirection = false): LonLat[][] {
  const pending = lines.filter((l) => l.length >= 2).map((l) => l.slice());
  const chains: LonLat[][] = [];
  while (pending.length > 0) {
    let chain = pending.shift()!;
    let grown = true;
    while (grown && !(chain.length > 3 && same(chain[0], chain[chain.length - 1]))) {
      grown = false;
      for (let i = 0; i < pending.length; i++) {
        const l = pending[i];
        const head = chain[0], tail = chain[chain.length - 1];
        if (same(tail, l[0])) chain = chain.concat(l.slice(1));
        else if (same(l[l.length - 1], head)) chain = l.concat(chain.slice(1));
        else if (!keepDirection && same(tail, l[l.length - 1])) chain = chain.concat(l.slice(0, -1).reverse());
        else if (!keepDirection && same(l[0], head)) chain = l.slice(1).reverse().concat(chain);
        else continue;
        pending.splice(i, 1);
        grown = true;
        break;
      }
    }
    chains.push(chain);
  }
  return chains;
}

/** Closed rings (at least 4 points, first = last) among joined lines, counter-clockwise. */
export function closedRings(lines: readonly LonLat[][]): { rings: LonLat[][]; open: number } {
  const rings: LonLat[][] = [];
  let open = 0;
  for (const c of joinLines(lines)) {
    if (c.length >= 4 && same(c[0], c[c.length - 1])) rings.push(orientRing(c, true));
    else open++;
  }
  return { rings, open };
}

/** Area of a lon/lat ring in square metres (local equirectangular). */
export function ringAreaM2(ring: readonly LonLat[]): number {
  if (ring.length < 3) return 0;
  const lat0 = ring[0][1] * (Math.PI / 180);
  const kx = 111_320 * Math.cos(lat0), ky = 110_574;
  return Math.abs(signedArea(ring.map(([x, y]) => [x * kx, y * ky] as [number, number])));
}

/** A polygon around a polyline, `widthM` wide (flat ends, mitred joins). */
export function bufferLine(line: readonly LonLat[], widthM: number): LonLat[] {
  const lat0 = line[0][1] * (Math.PI / 180);
  const kx = 111_320 * Math.cos(lat0), ky = 110_574;
  const h = widthM / 2;
  const left: LonLat[] = [], right: LonLat[] = [];
  for (let i = 0; i < line.length; i++) {
    const a = line[Math.max(0, i - 1)], b = line[Math.min(line.length - 1, i + 1)];
    let dx = (b[0] - a[0]) * kx, dy = (b[1] - a[1]) * ky;
    const len = Math.hypot(dx, dy) || 1;
    dx /= len;
    dy /= len;
    const r6 = (v: number) => Math.round(v * 1e6) / 1e6;
    left.push([r6(line[i][0] - (dy * h) / kx), r6(line[i][1] + (dx * h) / ky)]);
    right.push([r6(line[i][0] + (dy * h) / kx), r6(line[i][1] - (dx * h) / ky)]);
  }
  return orientRing([...left, ...right.reverse()], true);
}

/** Position of a point projected onto the boundary of a box, as a distance clockwise from the north-west corner. */
function perimeterPos(p: LonLat, box: BBox): { pos: number; at: LonLat } {
  const [w, s, e, n] = box;
  const cx = Math.min(e, Math.max(w, p[0])), cy = Math.min(n, Math.max(s, p[1]));
  const d = [n - cy, e - cx, cy - s, cx - w]; // distance to the north, east, south and west edges
  const edge = d.indexOf(Math.min(...d));
  const W = e - w, H = n - s;
  switch (edge) {
    case 0: return { pos: cx - w, at: [cx, n] };
    case 1: return { pos: W + (n - cy), at: [e, cy] };
    case 2: return { pos: W + H + (e - cx), at: [cx, s] };
    default: return { pos: 2 * W + H + (cy - s), at: [w, cy] };
  }
}

/**
 * The sea beside a coastline chain (OSM: land on the left, water on the right), closed along
 * the box's boundary clockwise from the chain's end back to its start. Returns the ring
 * counter-clockwise, or null when the chain does not reach the box's edges sensibly.
 */
export function seaPolygon(coast: readonly LonLat[], box: BBox): LonLat[] | null {
  if (coast.length < 2) return null;
  const [w, s, e, n] = box;
  const W = e - w, H = n - s, P = 2 * (W + H);
  const corners: { pos: number; at: LonLat }[] = [
    { pos: 0, at: [w, n] }, { pos: W, at: [e, n] }, { pos: W + H, at: [e, s] }, { pos: 2 * W + H, at: [w, s] },
  ];
  const start = perimeterPos(coast[0], box), end = perimeterPos(coast[coast.length - 1], box);
  // Walk clockwise (increasing pos) from the end to the start, passing the corners between.
  let span = start.pos - end.pos;
  if (span <= 0) span += P;
  const passed = corners
    .map((c) => ({ at: c.at, d: c.pos - end.pos <= 0 ? c.pos - end.pos + P : c.pos - end.pos }))
    .filter((c) => c.d < span)
    .sort((a, b) => a.d - b.d)
    .map((c) => c.at);
  const full = [...coast, end.at, ...passed, start.at];
  if (full.length < 4) return null;
  return orientRing(full, true);
}
