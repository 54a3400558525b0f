/**
 * Turns raw lattice edges into the road graph: keeps the largest connected component, merges
 * chains of edges through plain bends into segments, and marks signalised intersections and
 * interchanges.
 */
import type { XY } from "./geo";
import type { LatticeEdge } from "./road-lattice";
import type { RoadClass } from "./types";

/** A node of the built graph (before ids and WGS84 conversion). */
export interface GraphNode {
  key: number;
  xy: XY;
  degree: number;
  signalised: boolean;
  interchange: boolean;
}

/** A segment of the built graph: a chain of lattice edges of one road between two nodes. */
export interface GraphSegment {
  from: number;
  to: number;
  points: XY[];
  cls: RoadClass;
  roadKey: string;
  lineId: number;
  orientation: "h" | "v";
  bridge: boolean;
}

/** The built graph; node indices refer to `nodes`. */
export interface BuiltGraph {
  nodes: GraphNode[];
  segments: GraphSegment[];
}

function find(parent: Int32Array, x: number): number {
  while (parent[x] !== x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

/**
 * Numbers keys in order of first sight: the returned function gives a key's index in `list`,
 * appending `make(key)` to it the first time the key is seen.
 */
function interner<K, V>(list: V[], make: (key: K) => V): (key: K) => number {
  const indexOf = new Map<K, number>();
  return (key) => {
    let i = indexOf.get(key);
    if (i === undefined) {
      i = list.length;
      list.push(make(key));
      indexOf.set(key, i);
    }
    return i;
  };
}

/** Builds the connected road graph from lattice edges. */
export function buildRoadGraph(edgesIn: readonly LatticeEdge[], xy: Float64Array): BuiltGraph {
  // Compact node keys.
  const keys: number[] = [];
  const idx = interner(keys, (key: number) => key);
  const ea = new Int32Array(edgesIn.length);
  const eb = new Int32Array(edgesIn.length);
  edgesIn.forEach((e, k) => {
    ea[k] = idx(e.a);
    eb[k] = idx(e.b);
  });

  // Largest connected component by number of edges.
  const parent = new Int32Array(keys.length).map((_, i) => i);
  for (let k = 0; k < edgesIn.length; k++) {
    const ra = find(parent, ea[k]), rb = find(parent, eb[k]);
    if (ra !== rb) parent[ra] = rb;
  }
  const compEdges = new Map<number, number>();
  for (let k = 0; k < edgesIn.length; k++) {
    const r = find(parent, ea[k]);
    compEdges.set(r, (compEdges.get(r) ?? 0) + 1);
  }
  let best = -1, bestCount = -1;
  for (const [r, c] of compEdges) if (c > bestCount || (c === bestCount && r < best)) { best = r; bestCount = c; }
  const kept: number[] = [];
  for (let k = 0; k < edgesIn.length; k++) if (find(parent, ea[k]) === best) kept.push(k);

  // Adjacency (CSR) over kept edges.
  const n = keys.length;
  const deg = new Int32Array(n);
  for (const k of kept) { deg[ea[k]]++; deg[eb[k]]++; }
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i] + deg[i];
  const fill = start.slice(0, n);
  const adj = new Int32Array(start[n]);
  for (const k of kept) { adj[fill[ea[k]]++] = k; adj[fill[eb[k]]++] = k; }

  const junction = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (deg[i] === 0) continue;
    if (deg[i] !== 2) { junction[i] = 1; continue; }
    const e1 = edgesIn[adj[start[i]]], e2 = edgesIn[adj[start[i] + 1]];
    if (e1.roadKey !== e2.roadKey || e1.bridge !== e2.bridge || e1.cls !== e2.cls) junction[i] = 1;
  }

  const other = (k: number, node: number) => (ea[k] === node ? eb[k] : ea[k]);
  const otherEdge = (node: number, k: number) => (adj[start[node]] === k ? adj[start[node] + 1] : adj[start[node]]);
  const vertexOf = (node: number) => Math.floor(keys[node] / 2);
  const pointOf = (node: number): XY => { const v = vertexOf(node); return [xy[2 * v], xy[2 * v + 1]]; };

  const used = new Uint8Array(edgesIn.length);
  const nodes: GraphNode[] = [];
  const nodeIndex = interner(nodes, (node: number): GraphNode => ({ key: keys[node], xy: pointOf(node), degree: deg[node], signalised: false, interchange: false }));
  const segments: GraphSegment[] = [];

  for (const k0 of kept) {
    if (used[k0]) continue;
    // Walk back to a junction (or all the way round a loop).
    let node = ea[k0], edge = k0;
    while (!junction[node]) {
      const prevEdge = otherEdge(node, edge);
      if (prevEdge === k0) break;
      edge = prevEdge;
      node = other(edge, node);
    }
    junction[node] = 1;
    const startNode = node;
    const points: XY[] = [pointOf(node)];
    let bridge = false;
    const first = edgesIn[edge];
    for (;;) {
      used[edge] = 1;
      bridge = bridge || edgesIn[edge].bridge;
      node = other(edge, node);
      points.push(pointOf(node));
      if (junction[node]) break;
      edge = otherEdge(node, edge);
      if (used[edge]) break;
    }
    junction[node] = 1;
    segments.push({
      from: nodeIndex(startNode), to: nodeIndex(node), points,
      cls: first.cls, roadKey: first.roadKey, lineId: first.lineId, orientation: first.orientation, bridge,
    });
  }

  // Signals where two major roads cross at grade; interchanges where an expressway meets an arterial.
  const incident: GraphSegment[][] = nodes.map(() => []);
  for (const sgm of segments) { incident[sgm.from].push(sgm); incident[sgm.to].push(sgm); }
  nodes.forEach((nd, i) => {
    const segs = incident[i];
    const hasExpress = segs.some((x) => x.cls === "expressway");
    const majorLines = new Set(segs.filter((x) => x.cls === "arterial" || x.cls === "collector").map((x) => x.lineId));
    const hasArterial = segs.some((x) => x.cls === "arterial");
    nd.degree = segs.length;
    nd.signalised = !hasExpress && hasArterial && majorLines.size >= 2 && segs.length >= 3;
    nd.interchange = hasExpress && hasArterial && new Set(segs.map((x) => x.lineId)).size >= 2;
  });
  return { nodes, segments };
}
