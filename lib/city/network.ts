/**
 * Converts the built graph into the model's road network: ids, names, lanes, free-flow
 * speeds, capacities, WGS84 geometry and lengths.
 */
import { pointAlongXY, polylineLengthM, roundTo, type Projection, type XY } from "./geo";
import type { Landform } from "./landform";
import { districtDef } from "./names";
import type { Rng } from "./random";
import type { BuiltGraph } from "./road-graph";
import type { SpecialRoad } from "./road-lattice";
import { RoadNamer, type RoadName } from "./road-names";
import type { Road, RoadClass, RoadNetwork, RoadNode, RoadSegment } from "./types";

/** Capacity per lane (vehicles per hour) by class: expressways are uninterrupted, others signal-controlled. */
export const LANE_CAPACITY_VEH_H: Readonly<Record<RoadClass, number>> = {
  expressway: 1800,
  arterial: 850,
  collector: 650,
  local: 450,
};

/** The road network and the local-metre geometry later steps place things with. */
export interface NetworkBuild {
  network: RoadNetwork;
  /** Local-metre polylines, parallel to `network.segments`. */
  segmentXY: XY[][];
  /** Local-metre node positions, parallel to `network.nodes`. */
  nodeXY: XY[];
  /** Names by road id. */
  roadNames: Map<string, RoadName>;
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** Builds the model's road network from the graph. */
export function buildNetwork(
  graph: BuiltGraph, special: ReadonlyMap<string, SpecialRoad>, land: Landform, proj: Projection, rng: Rng,
): NetworkBuild {
  const namer = new RoadNamer(rng.fork("names"));
  const laneRng = rng.fork("lanes");
  const roads: Road[] = [];
  const roadByKey = new Map<string, { road: Road; lanes: number; freeFlowKmh: number }>();
  const roadNames = new Map<string, RoadName>();

  const nodes: RoadNode[] = graph.nodes.map((n, i) => ({
    id: `n-${pad(i + 1, 6)}`,
    location: proj.toLonLat(n.xy[0], n.xy[1]),
    degree: n.degree,
    signalised: n.signalised,
    interchange: n.interchange,
  }));

  const segments: RoadSegment[] = graph.segments.map((g, i) => {
    const mid = pointAlongXY(g.points, 0.5).point;
    const districtId = land.districtAt(mid[0], mid[1]);
    let entry = roadByKey.get(g.roadKey);
    if (!entry) {
      const sp = special.get(g.roadKey);
      const name = namer.name(g.cls, g.orientation, sp);
      const road: Road = { id: `rd-${pad(roads.length + 1, 5)}`, class: g.cls };
      if (name) {
        road.nameZh = name.nameZh;
        road.nameEn = name.nameEn;
        roadNames.set(road.id, name);
      }
      if (sp?.ring) road.ring = true;
      const urbanity = districtDef(districtId).urbanity;
      let lanes: number, freeFlowKmh: number;
      switch (g.cls) {
        case "expressway": lanes = sp?.ring ? 6 : laneRng.chance(0.5) ? 6 : 4; freeFlowKmh = sp?.freeFlowKmh ?? 80; break;
        case "arterial": lanes = urbanity >= 0.8 && laneRng.chance(0.5) ? 6 : 4; freeFlowKmh = districtId === "zhifu" ? 50 : 60; break;
        case "collector": lanes = laneRng.chance(0.35) ? 4 : 2; freeFlowKmh = 40; break;
        default: lanes = 2; freeFlowKmh = 30;
      }
      entry = { road, lanes, freeFlowKmh };
      roads.push(road);
      roadByKey.set(g.roadKey, entry);
    }
    const geometry = g.points.map(([x, y]) => proj.toLonLat(x, y));
    const seg: RoadSegment = {
      id: `seg-${pad(i + 1, 6)}`,
      roadId: entry.road.id,
      class: g.cls,
      lanes: entry.lanes,
      freeFlowKmh: entry.freeFlowKmh,
      capacityVehH: entry.lanes * LANE_CAPACITY_VEH_H[g.cls],
      lengthM: roundTo(polylineLengthM(geometry), 1),
      from: nodes[g.from].id,
      to: nodes[g.to].id,
      geometry,
      bridge: g.bridge,
      districtId,
    };
    if (entry.road.nameZh) {
      seg.nameZh = entry.road.nameZh;
      seg.nameEn = entry.road.nameEn;
    }
    return seg;
  });

  return {
    network: { nodes, segments, roads },
    segmentXY: graph.segments.map((g) => g.points),
    nodeXY: graph.nodes.map((n) => n.xy),
    roadNames,
  };
}
