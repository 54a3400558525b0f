/**
 * What the placement steps (energy, safety, POIs, devices) share: the landform, the projection,
 * the road network with its local-metre geometry, adjacency and a spatial index of nodes.
 */
import type { DistrictShape } from "./districts";
import type { Projection, XY } from "./geo";
import type { Landform } from "./landform";
import type { NetworkBuild } from "./network";
import type { ParkShape } from "./parks";
import { GridIndex } from "./spatial-index";
import type { RoadClass, RoadNetwork } from "./types";

/** Shared state of the placement steps. */
export interface PlacementContext {
  land: Landform;
  proj: Projection;
  network: RoadNetwork;
  build: NetworkBuild;
  districts: readonly DistrictShape[];
  parks: readonly ParkShape[];
  /** Segment indices meeting at each node index. */
  incident: number[][];
  /** Node index by node id. */
  nodeIndexById: Map<string, number>;
  nodeGrid: GridIndex;
  /** Highest class of road meeting at each node. */
  nodeClass: RoadClass[];
}

const CLASS_RANK: Readonly<Record<RoadClass, number>> = { local: 0, collector: 1, arterial: 2, expressway: 3 };

/** Ranks road classes: local 0 … expressway 3. */
export function classRank(c: RoadClass): number {
  return CLASS_RANK[c];
}

/** Builds the shared placement context. */
export function createPlacementContext(
  land: Landform, proj: Projection, build: NetworkBuild, districts: readonly DistrictShape[], parks: readonly ParkShape[],
): PlacementContext {
  const { network } = build;
  const nodeIndexById = new Map<string, number>();
  network.nodes.forEach((n, i) => nodeIndexById.set(n.id, i));
  const incident: number[][] = network.nodes.map(() => []);
  const nodeClass: RoadClass[] = network.nodes.map(() => "local");
  network.segments.forEach((s, k) => {
    for (const id of [s.from, s.to]) {
      const i = nodeIndexById.get(id)!;
      incident[i].push(k);
      if (CLASS_RANK[s.class] > CLASS_RANK[nodeClass[i]]) nodeClass[i] = s.class;
    }
  });
  return {
    land, proj, network, build, districts, parks, incident, nodeIndexById,
    nodeGrid: new GridIndex(build.nodeXY as XY[], 500),
    nodeClass,
  };
}
