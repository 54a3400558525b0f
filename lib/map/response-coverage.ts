import type { CityModel, LonLat } from "../city/types";

/** Average emergency-response speed as a share of the road's free-flow speed. */
const RESPONSE_SPEED_SHARE = 0.75;
/** Time from the call to leaving the station, seconds. */
export const TURNOUT_S = 60;

/** A binary min-heap of (key, value) pairs keyed by number. */
class MinHeap {
  private keys: number[] = [];
  private vals: number[] = [];
  get size() {
    return this.keys.length;
  }
  push(key: number, val: number) {
    const k = this.keys, v = this.vals;
    let i = k.length;
    k.push(key);
    v.push(val);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p] <= key) break;
      k[i] = k[p];
      v[i] = v[p];
      i = p;
    }
    k[i] = key;
    v[i] = val;
  }
  pop(): [number, number] {
    const k = this.keys, v = this.vals;
    const top: [number, number] = [k[0], v[0]];
    const lastK = k.pop()!, lastV = v.pop()!;
    const n = k.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        let mk = lastK;
        if (l < n && k[l] < mk) {
          m = l;
          mk = k[l];
        }
        if (r < n && k[r] < mk) m = r;
        if (m === i) break;
        k[i] = k[m];
        v[i] = v[m];
        i = m;
      }
      k[i] = lastK;
      v[i] = lastV;
    }
    return top;
  }
}

/**
 * Travel time in seconds from the nearest of `sourceNodeIds` to every road node, over the
 * road graph at RESPONSE_SPEED_SHARE of free flow, plus the turnout time (multi-source
 * Dijkstra). Unreachable nodes get Infinity. Returned in the order of city.network.nodes.
 */
export function responseTimes(city: CityModel, sourceNodeIds: readonly string[]): Float64Array {
  const { nodes, segments } = city.network;
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const head = new Int32Array(nodes.length).fill(-1);
  const next = new Int32Array(segments.length * 2);
  const to = new Int32Array(segments.length * 2);
  const cost = new Float64Array(segments.length * 2);
  segments.forEach((s, k) => {
    const a = index.get(s.from)!, b = index.get(s.to)!;
    const t = s.lengthM / ((s.freeFlowKmh / 3.6) * RESPONSE_SPEED_SHARE);
    to[2 * k] = b;
    cost[2 * k] = t;
    next[2 * k] = head[a];
    head[a] = 2 * k;
    to[2 * k + 1] = a;
    cost[2 * k + 1] = t;
    next[2 * k + 1] = head[b];
    head[b] = 2 * k + 1;
  });
  const dist = new Float64Array(nodes.length).fill(Infinity);
  const heap = new MinHeap();
  for (const id of sourceNodeIds) {
    const i = index.get(id);
    if (i === undefined) continue;
    dist[i] = TURNOUT_S;
    heap.push(TURNOUT_S, i);
  }
  while (heap.size) {
    const [d, i] = heap.pop();
    if (d > dist[i]) continue;
    for (let e = head[i]; e >= 0; e = next[e]) {
      const nd = d + cost[e];
      if (nd < dist[to[e]]) {
        dist[to[e]] = nd;
        heap.push(nd, to[e]);
      }
    }
  }
  return dist;
}

/** Response minutes per hex cell: the fastest node of the cell, rounded to 0.1 min. */
export function coverageCells(
  city: CityModel,
  cellOf: (p: LonLat) => number,
  police: Float64Array,
  fire: Float64Array,
): Map<number, { police: number; fire: number }> {
  const cells = new Map<number, { police: number; fire: number }>();
  city.network.nodes.forEach((n, i) => {
    const id = cellOf(n.location);
    const c = cells.get(id) ?? { police: Infinity, fire: Infinity };
    c.police = Math.min(c.police, police[i] / 60);
    c.fire = Math.min(c.fire, fire[i] / 60);
    cells.set(id, c);
  });
  for (const c of cells.values()) {
    c.police = Math.round(c.police * 10) / 10;
    c.fire = Math.round(c.fire * 10) / 10;
  }
  return cells;
}
