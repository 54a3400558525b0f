import type { BBox, CityModel, LonLat, RenewableKind, RoadClass, StationKind } from "../city/types";
import { cellId, hexGrid, type HexGrid } from "./hex-grid";
import { coverageCells, responseTimes } from "./response-coverage";
import { trafficIndex } from "./traffic-index";
import { processShared } from "../process-shared";

/**
 * The static geometry of every map layer, built once per city model from the model itself
 * (no readings): flat coordinate arrays (lon, lat pairs rounded to 5 decimals, about 1 m)
 * and parallel attribute arrays, ready for deck.gl binary attributes in the browser.
 * Server-only indexes (device → feature, feeder → hex cells) live alongside.
 */

/** Hexagon size of the consumption and coverage grids (centre to vertex). */
export const HEX_RADIUS_M = 450;

const r5 = (v: number) => Math.round(v * 1e5) / 1e5;
const push = (out: number[], p: LonLat) => out.push(r5(p[0]), r5(p[1]));

export function inBbox(p: LonLat, bbox?: BBox | null): boolean {
  if (!bbox) return true;
  return p[0] >= bbox[0] && p[0] <= bbox[2] && p[1] >= bbox[1] && p[1] <= bbox[3];
}

/** A polyline touches a bbox when one of its vertices lies in it (fine at segment scale). */
function pathInBbox(path: readonly LonLat[], bbox?: BBox | null): boolean {
  if (!bbox) return true;
  return path.some((p) => inBbox(p, bbox));
}

export type PathSet = { ids: string[]; startIndices: number[]; path: number[] };
export type PointSet = { ids: string[]; position: number[] };

export type TrafficStatic = {
  sensors: PathSet & { segmentIds: string[]; roadIds: string[]; freeFlowKmh: number[]; roadClass: RoadClass[] };
  signals: PointSet;
};
export type EnergyStatic = {
  substations: PointSet & { capacityMw: number[]; voltageKv: number[] };
  feeders: PathSet & { meterIds: string[]; substationIds: string[]; capacityMw: number[] };
  renewables: PointSet & { meterIds: string[]; kind: RenewableKind[]; capacityMw: number[] };
  cells: PointSet & { radiusM: number };
};
export type SafetyStatic = {
  stations: PointSet & { kind: StationKind[] };
  coverage: PointSet & { radiusM: number; policeMin: number[]; fireMin: number[] };
  cameras: PointSet & { headingDeg: number[] };
};

/** Everything the server keeps per city: the static layers and lookups for queries. */
export type MapModel = {
  city: CityModel;
  grid: HexGrid;
  traffic: TrafficStatic;
  energy: EnergyStatic;
  safety: SafetyStatic;
  /** Feeder → [cell index, share of the feeder's length] (shares sum to 1). */
  feederCells: Map<string, [number, number][]>;
  /** Substation index of each feeder (-1 when unknown). */
  feederSubstation: number[];
  /** Meter device → feeder index / renewable index. */
  feederByMeter: Map<string, number>;
  renewableByMeter: Map<string, number>;
  sensorIndex: Map<string, number>;
  cameraIndex: Map<string, number>;
  /** Where each device stands (its readings carry this location). */
  deviceLocation: Map<string, LonLat>;
  /** Representative point of every path feature (sensors, feeders), for bbox filters. */
  sensorPaths: LonLat[][];
  feederPaths: LonLat[][];
};

function paths(items: { id: string; path: readonly LonLat[] }[]): PathSet {
  const ids: string[] = [];
  const startIndices: number[] = [0];
  const flat: number[] = [];
  for (const it of items) {
    ids.push(it.id);
    for (const p of it.path) push(flat, p);
    startIndices.push(flat.length / 2);
  }
  return { ids, startIndices, path: flat };
}

function points(items: { id: string; position: LonLat }[]): PointSet {
  const position: number[] = [];
  for (const it of items) push(position, it.position);
  return { ids: items.map((i) => i.id), position };
}

/** Shares of a polyline's length per hex cell, sampled every ~25 m. */
function lengthShares(path: readonly LonLat[], grid: HexGrid): Map<number, number> {
  const xy = path.map((p) => grid.projection.toXY(p));
  const out = new Map<number, number>();
  let total = 0;
  for (let i = 1; i < xy.length; i++) {
    const [ax, ay] = xy[i - 1], [bx, by] = xy[i];
    const len = Math.hypot(bx - ax, by - ay);
    const n = Math.max(1, Math.ceil(len / 25));
    for (let k = 0; k < n; k++) {
      const t = (k + 0.5) / n;
      const p = grid.projection.toLonLat(ax + (bx - ax) * t, ay + (by - ay) * t);
      const { q, r } = grid.cellOf(p);
      const id = cellId(q, r);
      out.set(id, (out.get(id) ?? 0) + len / n);
      total += len / n;
    }
  }
  for (const [k, v] of out) out.set(k, total > 0 ? v / total : 0);
  return out;
}

const cache = processShared("map-model", () => new WeakMap<CityModel, MapModel>());

/** The map model of a city, built once per city object. */
export function mapModel(city: CityModel): MapModel {
  let m = cache.get(city);
  if (m) return m;
  const grid = hexGrid(city.center, HEX_RADIUS_M);
  const segById = new Map(city.network.segments.map((s) => [s.id, s]));

  // Traffic: one path per sensor (the segment it measures), signalised intersections.
  const sensorList = trafficIndex(city).list;
  const sensorSet = paths(sensorList.map((s) => ({ id: s.id, path: s.path })));
  const traffic: TrafficStatic = {
    sensors: {
      ...sensorSet,
      segmentIds: sensorList.map((s) => s.segment),
      roadIds: sensorList.map((s) => segById.get(s.segment)?.roadId ?? s.segment),
      freeFlowKmh: sensorList.map((s) => s.freeFlowKmh),
      roadClass: sensorList.map((s) => segById.get(s.segment)?.class ?? "local"),
    },
    signals: points(city.network.nodes.filter((n) => n.signalised).map((n) => ({ id: n.id, position: n.location }))),
  };

  // Energy: substations, feeders with their meters, renewable sites, consumption cells.
  const { substations, feeders, renewables } = city.energy;
  const subIndex = new Map(substations.map((s, i) => [s.id, i]));
  const meterOfFeeder = new Map<string, string>();
  const meterOfSite = new Map<string, string>();
  for (const d of city.devices) {
    if (d.kind === "feeder-meter") meterOfFeeder.set(d.feederId, d.id);
    else if (d.kind === "production-meter") meterOfSite.set(d.siteId, d.id);
  }
  const feederCellsById = new Map<string, Map<number, number>>();
  const cellIds: number[] = [];
  const cellIndex = new Map<number, number>();
  for (const f of feeders) {
    const shares = lengthShares(f.geometry, grid);
    feederCellsById.set(f.id, shares);
    for (const id of shares.keys()) {
      if (!cellIndex.has(id)) {
        cellIndex.set(id, cellIds.length);
        cellIds.push(id);
      }
    }
  }
  const cellPositions: number[] = [];
  for (const id of cellIds) push(cellPositions, grid.centerOf(Math.floor(id / 65536) - 32768, (id % 65536) - 32768));
  const feederCells = new Map<string, [number, number][]>();
  for (const [fid, shares] of feederCellsById) feederCells.set(fid, [...shares].map(([id, s]) => [cellIndex.get(id)!, s]));
  const energy: EnergyStatic = {
    substations: {
      ...points(substations.map((s) => ({ id: s.id, position: s.location }))),
      capacityMw: substations.map((s) => s.capacityMw),
      voltageKv: substations.map((s) => s.voltageKv),
    },
    feeders: {
      ...paths(feeders.map((f) => ({ id: f.id, path: f.geometry }))),
      meterIds: feeders.map((f) => meterOfFeeder.get(f.id) ?? ""),
      substationIds: feeders.map((f) => f.substationId),
      capacityMw: feeders.map((f) => f.capacityMw),
    },
    renewables: {
      ...points(renewables.map((r) => ({ id: r.id, position: r.location }))),
      meterIds: renewables.map((r) => meterOfSite.get(r.id) ?? ""),
      kind: renewables.map((r) => r.kind),
      capacityMw: renewables.map((r) => r.capacityMw),
    },
    cells: { ids: cellIds.map(String), position: cellPositions, radiusM: HEX_RADIUS_M },
  };

  // Safety: stations, response coverage from the nearest station over the road graph, cameras.
  const stations = [...city.safety.policeStations, ...city.safety.fireStations];
  const police = responseTimes(city, city.safety.policeStations.map((s) => s.nodeId));
  const fire = responseTimes(city, city.safety.fireStations.map((s) => s.nodeId));
  const cov = coverageCells(city, (p) => {
    const { q, r } = grid.cellOf(p);
    return cellId(q, r);
  }, police, fire);
  const covIds = [...cov.keys()];
  const covPos: number[] = [];
  for (const id of covIds) push(covPos, grid.centerOf(Math.floor(id / 65536) - 32768, (id % 65536) - 32768));
  const cameras = city.devices.filter((d) => d.kind === "camera");
  const safety: SafetyStatic = {
    stations: { ...points(stations.map((s) => ({ id: s.id, position: s.location }))), kind: stations.map((s) => s.kind) },
    coverage: {
      ids: covIds.map(String),
      position: covPos,
      radiusM: HEX_RADIUS_M,
      policeMin: covIds.map((id) => cov.get(id)!.police),
      fireMin: covIds.map((id) => cov.get(id)!.fire),
    },
    cameras: {
      ...points(cameras.map((c) => ({ id: c.id, position: c.location }))),
      headingDeg: cameras.map((c) => (c.kind === "camera" ? Math.round(c.headingDeg) : 0)),
    },
  };

  m = {
    city,
    grid,
    traffic,
    energy,
    safety,
    feederCells,
    feederSubstation: feeders.map((f) => subIndex.get(f.substationId) ?? -1),
    feederByMeter: new Map(energy.feeders.meterIds.map((id, i) => [id, i])),
    renewableByMeter: new Map(energy.renewables.meterIds.map((id, i) => [id, i])),
    sensorIndex: new Map(sensorList.map((s, i) => [s.id, i])),
    cameraIndex: new Map(cameras.map((c, i) => [c.id, i])),
    deviceLocation: new Map(city.devices.map((d) => [d.id, d.location])),
    sensorPaths: sensorList.map((s) => s.path),
    feederPaths: feeders.map((f) => f.geometry),
  };
  cache.set(city, m);
  return m;
}

/** Keeps the entries of a path set whose path touches the bbox. */
export function filterPaths<T extends PathSet>(set: T, pathsLonLat: LonLat[][], bbox: BBox | null | undefined, extra: (keyof T)[]): T {
  if (!bbox) return set;
  const keep: number[] = [];
  pathsLonLat.forEach((p, i) => {
    if (pathInBbox(p, bbox)) keep.push(i);
  });
  const out = { ...set, ids: [] as string[], startIndices: [0], path: [] as number[] } as T;
  for (const k of extra) (out[k] as unknown) = [];
  for (const i of keep) {
    out.ids.push(set.ids[i]);
    out.path.push(...set.path.slice(set.startIndices[i] * 2, set.startIndices[i + 1] * 2));
    out.startIndices.push(out.path.length / 2);
    for (const k of extra) (out[k] as unknown[]).push((set[k] as unknown[])[i]);
  }
  return out;
}

/** Keeps the entries of a point set inside the bbox. */
export function filterPoints<T extends PointSet>(set: T, bbox: BBox | null | undefined, extra: (keyof T)[]): T {
  if (!bbox) return set;
  const out = { ...set, ids: [] as string[], position: [] as number[] } as T;
  for (const k of extra) (out[k] as unknown) = [];
  for (let i = 0; i < set.ids.length; i++) {
    const p: LonLat = [set.position[2 * i], set.position[2 * i + 1]];
    if (!inBbox(p, bbox)) continue;
    out.ids.push(set.ids[i]);
    out.position.push(p[0], p[1]);
    for (const k of extra) (out[k] as unknown[]).push((set[k] as unknown[])[i]);
  }
  return out;
}
