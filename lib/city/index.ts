/**
 * lib/city: the city model. A generated, deterministic Yantai-like coastal city with districts,
 * sea and rivers, a connected road graph, an electricity grid, safety services, points of
 * interest and the devices that produce readings; plus the departments and datasets.
 * Pure TypeScript: runs in Node and in the browser.
 */
export * from "./types";
export { generateCity, DEFAULT_CITY_OPTIONS, MAX_CITY_SIZE } from "./generate-city";
export { cityBounds } from "./bounds";
export { isImportedCity, IMPORTED_SEED_PREFIX } from "./imported";
export { cityToGeoJSON } from "./geojson";
export {
  DEPARTMENTS, DATASETS, INCIDENT_TYPES, INCIDENT_STATUSES, CAMERA_ALERTS, departmentById, datasetById,
} from "./datasets";
export { LANE_CAPACITY_VEH_H } from "./network";
export { DISTRICT_DEFS, districtDef, type DistrictDef } from "./names";
export { connectedComponents, segmentsByNode } from "./graph-queries";
export { haversineM, polylineLengthM, makeProjection, type Projection } from "./geo";
export { Rng, hashString, hashInts, hashUnit, valueNoise1D, type Seed } from "./random";
export { GridIndex } from "./spatial-index";
export type { XY } from "./geo";
