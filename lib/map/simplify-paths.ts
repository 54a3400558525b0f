/**
 * Level of detail for paths drawn at city zoom: each path's vertices thinned with
 * Douglas–Peucker in Web Mercator pixels at a zoom, keeping its first and last vertex (so
 * every path stays, with its own colour, and only corners smaller than the tolerance go).
 */

/** Paths as deck.gl's binary path data holds them: path i is vertices startIndices[i] … startIndices[i + 1] - 1 of `positions` (lon, lat pairs). */
export type FlatPaths = { startIndices: ArrayLike<number>; positions: ArrayLike<number> };
export type SimplifiedPaths = { startIndices: Uint32Array; positions: Float64Array };

/** Web Mercator pixel coordinates (512-pixel tiles, as MapLibre) of a lon, lat at zoom 0 (multiply by 2^zoom). */
function mercX(lon: number): number {
  return ((lon + 180) / 360) * 512;
}
function mercY(lat: number): number {
  const phi = (Math.max(-85.05, Math.min(85.05, lat)) * Math.PI) / 180;
  return ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * 512;
}

/** Squared distance from (px, py) to the segment (ax, ay)–(bx, by). */
function segDist2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const x = ax + t * dx - px, y = ay + t * dy - py;
  return x * x + y * y;
}

/**
 * The paths with the vertices that a viewer at `zoom` cannot tell apart from a straight line
 * removed: no kept path strays more than `tolerancePx` pixels at that zoom (and less at every
 * lower zoom) from the path it stands for. Each path keeps its first and last vertex and its
 * place in the order, so per-path attributes (colour, width, picking index) stay as they are.
 */
export function simplifyPaths(paths: FlatPaths, zoom: number, tolerancePx: number): SimplifiedPaths {
  const { startIndices: starts, positions: pos } = paths;
  const n = starts.length - 1;
  const scale = 2 ** zoom;
  const tol2 = tolerancePx * tolerancePx;
  const keep = new Uint8Array(starts[n] ?? 0);
  const xs = new Float64Array(starts[n] ?? 0), ys = new Float64Array(starts[n] ?? 0);
  for (let v = 0; v < xs.length; v++) {
    xs[v] = mercX(pos[2 * v]) * scale;
    ys[v] = mercY(pos[2 * v + 1]) * scale;
  }
  const stack: number[] = [];
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const first = starts[i], last = starts[i + 1] - 1;
    if (last < first) continue;
    keep[first] = 1;
    keep[last] = 1;
    stack.push(first, last);
    while (stack.length) {
      const b = stack.pop()!, a = stack.pop()!;
      let worst = -1, worstD = tol2;
      for (let v = a + 1; v < b; v++) {
        const d = segDist2(xs[v], ys[v], xs[a], ys[a], xs[b], ys[b]);
        if (d > worstD) {
          worstD = d;
          worst = v;
        }
      }
      if (worst >= 0) {
        keep[worst] = 1;
        stack.push(a, worst, worst, b);
      }
    }
  }
  for (let v = 0; v < keep.length; v++) kept += keep[v];
  const startIndices = new Uint32Array(n + 1);
  const positions = new Float64Array(kept * 2);
  let w = 0;
  for (let i = 0; i < n; i++) {
    startIndices[i] = w;
    for (let v = starts[i]; v < starts[i + 1]; v++) {
      if (!keep[v]) continue;
      positions[2 * w] = pos[2 * v];
      positions[2 * w + 1] = pos[2 * v + 1];
      w++;
    }
  }
  startIndices[n] = w;
  return { startIndices, positions };
}

/** Paths as straight segments (deck.gl's LineLayer draws one instance per segment, a PathLayer one per vertex). */
export type PathSegments = {
  /** The path each segment belongs to. */
  path: Uint32Array;
  /** Each segment's source and target as x, y, z triples (z = 0). */
  source: Float64Array;
  target: Float64Array;
};

/** The segments between consecutive vertices of each path, in path order; a path of one vertex gives none. */
export function pathSegments(paths: FlatPaths): PathSegments {
  const { startIndices: starts, positions: pos } = paths;
  const n = starts.length - 1;
  let count = 0;
  for (let i = 0; i < n; i++) count += Math.max(0, starts[i + 1] - starts[i] - 1);
  const path = new Uint32Array(count);
  const source = new Float64Array(count * 3), target = new Float64Array(count * 3);
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let v = starts[i]; v < starts[i + 1] - 1; v++, s++) {
      path[s] = i;
      source[3 * s] = pos[2 * v];
      source[3 * s + 1] = pos[2 * v + 1];
      target[3 * s] = pos[2 * v + 2];
      target[3 * s + 1] = pos[2 * v + 3];
    }
  }
  return { path, source, target };
}
