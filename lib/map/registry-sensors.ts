import crypto from "node:crypto";
import type { Sql } from "../db/sql";
import type { CityModel, LonLat, RoadClass, RoadSegment } from "../city/types";
import { mapModel, type TrafficStatic } from "./map-features";
import type { SensorGeo } from "./traffic-index";

/**
 * The traffic sensors the map draws: the city model's own (map-features, built once per city)
 * and registered devices of traffic.flow that are not model sensors but stand on one of its
 * road segments: replayed recorded sensors (readings:replay), NGSI-LD entities a gateway
 * forwards (ngsi:bridge), any device an admin registers. The rollup places such a device in
 * map_sensor (origin 'registry') when it folds its first reading that names a segment of the
 * city model (the device's registered segment, else the reading's segmentId; lib/map/rollup.ts),
 * so its first reading already has its speed ratio. Here the map reads those rows back and
 * appends them to the model's sensors, in the same parallel arrays, so every traffic read
 * (latest, live, KPIs and corridors, frames, feature details) treats them alike.
 *
 * The rows are kept per process and read again at most every RELOAD_MS, at once after this
 * process placed one: a cluster's other processes see a new sensor within that.
 */

export type RegistrySensor = { id: string; segmentId: string; location: LonLat };

/** Every traffic sensor of the map, the model's first, then registered devices by id. */
export type TrafficSet = {
  /** Names the registered sensors in the set ("model" when there are none); with the city's key, it names the set. */
  key: string;
  sensors: TrafficStatic["sensors"];
  index: Map<string, number>;
  /** Each sensor's segment geometry (bbox filters). */
  paths: LonLat[][];
  /** Each sensor's place (area grants). */
  location: Map<string, LonLat>;
  byId: Map<string, SensorGeo>;
  registry: RegistrySensor[];
};

const RELOAD_MS = 2000;
const STATE = Symbol.for("city-brain.map-registry-sensors");
type State = { city: CityModel | null; rows: RegistrySensor[]; loadedAt: number; stale: boolean; set: TrafficSet | null; locations: Map<string, LonLat> };

function state(): State {
  const g = globalThis as { [STATE]?: State };
  return (g[STATE] ??= { city: null, rows: [], loadedAt: 0, stale: true, set: null, locations: new Map() });
}

/** This process placed sensors (or the city changed): the next read loads them again. */
export function registrySensorsChanged(): void {
  state().stale = true;
}

const r5 = (v: number) => Math.round(v * 1e5) / 1e5;

const segmentMaps = new WeakMap<CityModel, Map<string, RoadSegment>>();
/** The city's road segments by id, built once per city. */
export function segmentsOf(city: CityModel): Map<string, RoadSegment> {
  let m = segmentMaps.get(city);
  if (!m) segmentMaps.set(city, (m = new Map(city.network.segments.map((s) => [s.id, s]))));
  return m;
}

/** The set of the model's sensors and `rows`, built once per (city, rows). */
function build(city: CityModel, rows: RegistrySensor[]): TrafficSet {
  const m = mapModel(city);
  const base = m.traffic.sensors;
  const modelPaths = m.sensorPaths;
  const modelLocation = new Map<string, LonLat>();
  for (const id of base.ids) modelLocation.set(id, m.deviceLocation.get(id)!);
  const segments = segmentsOf(city);
  const placed = rows.filter((r) => !m.sensorIndex.has(r.id) && segments.has(r.segmentId));
  const sensors = {
    ids: [...base.ids],
    startIndices: [...base.startIndices],
    path: [...base.path],
    segmentIds: [...base.segmentIds],
    roadIds: [...base.roadIds],
    freeFlowKmh: [...base.freeFlowKmh],
    roadClass: [...base.roadClass] as RoadClass[],
  };
  const paths = [...modelPaths];
  const location = modelLocation;
  for (const r of placed) {
    const s = segments.get(r.segmentId)!;
    sensors.ids.push(r.id);
    for (const p of s.geometry) sensors.path.push(r5(p[0]), r5(p[1]));
    sensors.startIndices.push(sensors.path.length / 2);
    sensors.segmentIds.push(s.id);
    sensors.roadIds.push(s.roadId);
    sensors.freeFlowKmh.push(s.freeFlowKmh);
    sensors.roadClass.push(s.class);
    paths.push(s.geometry as LonLat[]);
    location.set(r.id, r.location);
  }
  const byId = new Map<string, SensorGeo>();
  sensors.ids.forEach((id, i) => byId.set(id, { id, segment: sensors.segmentIds[i], freeFlowKmh: sensors.freeFlowKmh[i], position: location.get(id)!, path: paths[i] }));
  return {
    key: placed.length ? `r${placed.length}:${crypto.createHash("sha256").update(placed.map((r) => `${r.id}@${r.segmentId}`).join(",")).digest("hex").slice(0, 16)}` : "model",
    sensors,
    index: new Map(sensors.ids.map((id, i) => [id, i])),
    paths,
    location,
    byId,
    registry: placed,
  };
}

/** The traffic sensors as this process last read them (the model's alone before the first read). */
export function trafficSetNow(city: CityModel): TrafficSet {
  const s = state();
  if (s.city !== city || !s.set) {
    if (s.city !== city) {
      s.city = city;
      s.rows = [];
      s.stale = true;
      s.locations = new Map();
    }
    s.set = build(city, s.rows);
  }
  return s.set;
}

/** Where a registered (non-model) traffic sensor stands, as last read; null for any other device. */
export function registrySensorLocation(id: string): LonLat | null {
  return state().locations.get(id) ?? null;
}

/** The registered sensors' places, as last read (device id → place). */
export function registrySensorLocations(): ReadonlyMap<string, LonLat> {
  return state().locations;
}

/** The traffic sensors the map draws now: the model's and the registered devices placed on its segments. */
export async function trafficSet(sql: Sql, city: CityModel): Promise<TrafficSet> {
  const s = state();
  trafficSetNow(city);
  if (!s.stale && Date.now() - s.loadedAt < RELOAD_MS) return s.set!;
  s.stale = false;
  s.loadedAt = Date.now();
  const rows = await sql.query<{ device_id: string; segment_id: string; lon: number | null; lat: number | null }>(
    `SELECT device_id, segment_id, lon, lat FROM map_sensor WHERE origin = 'registry' ORDER BY device_id`,
  );
  const next = rows.map((r) => ({ id: r.device_id, segmentId: r.segment_id, location: [Number(r.lon), Number(r.lat)] as LonLat }));
  const same = next.length === s.rows.length && next.every((r, i) => r.id === s.rows[i].id && r.segmentId === s.rows[i].segmentId && r.location[0] === s.rows[i].location[0] && r.location[1] === s.rows[i].location[1]);
  if (!same && s.city === city) {
    s.rows = next;
    s.set = build(city, next);
    s.locations = new Map(s.set.registry.map((r) => [r.id, r.location]));
  }
  return s.set!;
}
