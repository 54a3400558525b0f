/**
 * generateCity: a deterministic, seedable, believable Yantai-like coastal city.
 */
import { buildDevices } from "./devices";
import { toDistricts, traceDistricts } from "./districts";
import { buildEnergy } from "./energy";
import { bboxOf, makeProjection, roundTo } from "./geo";
import { createLandform } from "./landform";
import { buildNetwork } from "./network";
import { placeParks, toParks } from "./parks";
import { createPlacementContext } from "./placement-context";
import { buildPois } from "./pois";
import { Rng, hashString } from "./random";
import { buildRoadGraph } from "./road-graph";
import { buildLattice } from "./road-lattice";
import { IMPORTED_SEED_PREFIX } from "./imported";
import { buildSafety } from "./safety";
import type { CityModel, CityOptions, LonLat } from "./types";
import { buildWaters, placeIslands } from "./waters";

/** Default generator options. */
export const DEFAULT_CITY_OPTIONS = {
  seed: "yantai",
  size: 1,
  center: [121.45, 37.46] as LonLat,
  nameZh: "烟台",
  nameEn: "Yantai",
  poiDensity: 3.4,
} as const;

/** Largest accepted size (about 250,000 road segments). */
export const MAX_CITY_SIZE = 50;

function validate(options: CityOptions): void {
  const { size, center, poiDensity } = options;
  if (size !== undefined && !(Number.isFinite(size) && size > 0 && size <= MAX_CITY_SIZE)) {
    throw new RangeError(`generateCity: size must be a number in (0, ${MAX_CITY_SIZE}], got ${size}`);
  }
  if (center !== undefined) {
    const [lon, lat] = center;
    if (!(Number.isFinite(lon) && Number.isFinite(lat) && Math.abs(lon) <= 180 && Math.abs(lat) <= 80)) {
      throw new RangeError(`generateCity: center must be [lon, lat] with |lon| <= 180 and |lat| <= 80, got ${JSON.stringify(center)}`);
    }
  }
  if (poiDensity !== undefined && !(Number.isFinite(poiDensity) && poiDensity >= 0 && poiDensity <= 50)) {
    throw new RangeError(`generateCity: poiDensity must be in [0, 50], got ${poiDensity}`);
  }
}

/**
 * Generates a city. The same options always give the same model (byte-identical
 * `JSON.stringify`); different seeds give different cities. Pure: no clock, no Math.random.
 *
 * At the default size the road graph has more than 5,000 segments; `size` scales the area
 * (size 9 gives about 50,000 segments; size 10 about 55,000 segments and over 200,000 point
 * features).
 */
export function generateCity(options: CityOptions = {}): CityModel {
  validate(options);
  const seed = String(options.seed ?? DEFAULT_CITY_OPTIONS.seed);
  if (seed.startsWith(IMPORTED_SEED_PREFIX)) throw new RangeError(`generateCity: seeds starting "${IMPORTED_SEED_PREFIX}" are kept for imported cities`);
  const size = options.size ?? DEFAULT_CITY_OPTIONS.size;
  const center: LonLat = options.center ? [options.center[0], options.center[1]] : [...DEFAULT_CITY_OPTIONS.center];
  const nameZh = options.nameZh ?? DEFAULT_CITY_OPTIONS.nameZh;
  const nameEn = options.nameEn ?? DEFAULT_CITY_OPTIONS.nameEn;
  const poiDensity = options.poiDensity ?? DEFAULT_CITY_OPTIONS.poiDensity;

  const rng = new Rng(seed);
  const proj = makeProjection(center);
  const land = createLandform(rng.fork("land"), size);
  const districtShapes = traceDistricts(land);
  const landAreaKm2 = districtShapes.reduce((a, d) => a + d.areaM2, 0) / 1e6;
  const parkShapes = placeParks(rng.fork("parks"), land, landAreaKm2);
  const islandShapes = placeIslands(rng.fork("islands"), land);

  const lattice = buildLattice(land, parkShapes, hashString(seed + "/lattice"), size);
  const graph = buildRoadGraph(lattice.edges, lattice.xy);
  const build = buildNetwork(graph, lattice.special, land, proj, rng.fork("network"));
  const ctx = createPlacementContext(land, proj, build, districtShapes, parkShapes);

  const energy = buildEnergy(ctx, rng.fork("energy"), islandShapes);
  const safety = buildSafety(ctx, rng.fork("safety"), nameZh, nameEn);
  const pois = buildPois(ctx, rng.fork("pois"), poiDensity);
  const devices = buildDevices(ctx, rng.fork("devices"), energy, safety);

  const districts = toDistricts(districtShapes, proj);
  const network = build.network;
  const roadLengthKm = network.segments.reduce((a, s) => a + s.lengthM, 0) / 1000;
  const stationCount = safety.policeStations.length + safety.fireStations.length;
  return {
    schemaVersion: 1,
    seed,
    size,
    nameZh,
    nameEn,
    center: [center[0], center[1]],
    bbox: bboxOf(districts.flatMap((d) => d.polygon[0])),
    timezone: "Asia/Shanghai",
    utcOffsetMinutes: 480,
    districts,
    waters: buildWaters(land, islandShapes, proj),
    parks: toParks(parkShapes, proj),
    network,
    energy: energy.grid,
    safety,
    pois,
    devices,
    stats: {
      nodes: network.nodes.length,
      segments: network.segments.length,
      roadLengthKm: roundTo(roadLengthKm, 1),
      devices: devices.length,
      trafficSensors: devices.filter((d) => d.kind === "traffic-sensor").length,
      cameras: devices.filter((d) => d.kind === "camera").length,
      feeders: energy.grid.feeders.length,
      pois: pois.length,
      pointFeatures: pois.length + stationCount + energy.grid.substations.length + energy.grid.renewables.length + devices.length,
      landAreaKm2: roundTo(landAreaKm2, 1),
    },
  };
}
