/**
 * Queries over a city's road graph that tests and consumers need: adjacency and connected
 * components.
 */
import type { RoadNetwork } from "./types";

/** Segment ids meeting at each node id. */
export function segmentsByNode(network: RoadNetwork): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const n of network.nodes) out.set(n.id, []);
  for (const s of network.segments) {
    out.get(s.from)?.push(s.id);
    out.get(s.to)?.push(s.id);
  }
  return out;
}

/** Connected components of the road graph as lists of node ids (largest first). */
export function connectedComponents(network: RoadNetwork): string[][] {
  const adj = new Map<string, string[]>();
  for (const n of network.nodes) adj.set(n.id, []);
  for (const s of network.segments) {
    adj.get(s.from)?.push(s.to);
    adj.get(s.to)?.push(s.from);
  }
  const seen = new Set<string>();
  const comps: string[][] = [];
  for (const n of network.nodes) {
    if (seen.has(n.id)) continue;
    const comp: string[] = [];
    const stack = [n.id];
    seen.add(n.id);
    while (stack.length) {
      const cur = stack.pop()!;
      comp.push(cur);
      for (const next of adj.get(cur) ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    comps.push(comp);
  }
  return comps.sort((a, b) => b.length - a.length);
}
