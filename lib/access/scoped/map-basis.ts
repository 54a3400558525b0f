import { DATASETS } from "../../city";
import type { Dataset, LonLat } from "../../city/types";
import { loadConfig } from "../../config";
import { getCity } from "../../city/current-city";
import type { ReadBasis } from "../check-read";
import { allowedFields, withinArea } from "../scope-sql";
import { registrySensorLocation, registrySensorLocations } from "../../map/registry-sensors";

/**
 * What the map's scoped reads (map-latest, map-frames, map-kpis, map-details) share: the
 * dataset of a basis, k, where the data window stands against a moment, which devices lie in
 * a grant's area, and which of the rollup's value columns (map_bucket_5m) a basis may see. Pure apart from the city model and the configuration.
 */

/** Cells of aggregated map reads: a flat-top hexagon of this radius (centre to vertex). */
export const AGGREGATE_HEX_RADIUS_M = 1000;

/** k: aggregates are only ever over at least this many distinct devices. */
export function minGroupDevices(): number {
  return loadConfig().ACCESS_MIN_GROUP_DEVICES;
}

export function datasetOf(basis: Pick<ReadBasis, "datasetId">): Dataset {
  const d = DATASETS.find((x) => x.id === basis.datasetId);
  if (!d) throw new Error(`unknown dataset ${basis.datasetId}`);
  return d;
}

/** Where moment `at` lies against the basis's data window. */
export function windowState(basis: Pick<ReadBasis, "window">, at: Date): "before" | "inside" | "after" {
  if (basis.window.from && at.getTime() < Date.parse(basis.window.from)) return "before";
  if (basis.window.until && at.getTime() >= Date.parse(basis.window.until)) return "after";
  return "inside";
}

/**
 * Conditions on a 5-minute rollup bucket column: only buckets wholly inside the data window
 * (a bucket that straddles a window edge holds readings from outside it).
 */
export function bucketWindowConditions(basis: Pick<ReadBasis, "window">, params: unknown[], column = "bucket", bucketS = 300): string[] {
  const out: string[] = [];
  if (basis.window.from) {
    params.push(basis.window.from);
    out.push(`${column} >= $${params.length}::timestamptz`);
  }
  if (basis.window.until) {
    params.push(basis.window.until);
    out.push(`${column} + interval '${bucketS} seconds' <= $${params.length}::timestamptz`);
  }
  return out;
}

/** Where each device of the city stands (the location its readings carry). */
function deviceLocations(): Map<string, { datasetId: string; location: LonLat }> {
  const city = getCity();
  const key = city as unknown as { [LOCATIONS]?: Map<string, { datasetId: string; location: LonLat }> };
  key[LOCATIONS] ??= new Map(city.devices.map((d) => [d.id, { datasetId: d.datasetId, location: d.location }]));
  return key[LOCATIONS];
}
const LOCATIONS = Symbol("device-locations");

/** Where a device stands: a device of the city model, or a registered traffic sensor the map draws (lib/map/registry-sensors). */
export function deviceLocation(id: string): LonLat | null {
  return deviceLocations().get(id)?.location ?? registrySensorLocation(id);
}

/** Every device of a dataset the map knows: the city model's, and for traffic.flow the registered sensors it draws. */
export function datasetDeviceIds(datasetId: string): string[] {
  const model = getCity().devices.filter((d) => d.datasetId === datasetId).map((d) => d.id);
  if (datasetId !== "traffic.flow") return model;
  const all = deviceLocations();
  return [...model, ...[...registrySensorLocations().keys()].filter((id) => !all.has(id))];
}

/**
 * The devices of the dataset a basis may see, narrowed to `devices` when given: null means
 * "every device, no filter needed" (no area and no narrowing).
 */
export function visibleDevices(basis: Pick<ReadBasis, "datasetId" | "area">, devices: readonly string[] | null): string[] | null {
  if (!basis.area) return devices ? [...devices] : null;
  const out: string[] = [];
  const all = deviceLocations();
  // Registered traffic sensors the map draws are devices of traffic.flow at their registered place.
  const registry = basis.datasetId === "traffic.flow" ? registrySensorLocations() : new Map<string, LonLat>();
  const pick = devices ?? [...all.keys(), ...[...registry.keys()].filter((id) => !all.has(id))];
  for (const id of pick) {
    const d = all.get(id);
    if (d ? d.datasetId === basis.datasetId && withinArea(d.location, basis.area) : registry.has(id) && withinArea(registry.get(id)!, basis.area)) out.push(id);
  }
  return out;
}

/**
 * The rollup's value columns per dataset (map_bucket_5m, see lib/map/rollup.ts) and the
 * payload fields each is computed from. `worst_state` is a largest value; the others are sums.
 */
export const ROLLUP_COLUMNS = {
  "traffic.flow": { speed_kmh_sum: ["speedKmh"], flow_veh_h_sum: ["flowVehH"], occupancy_sum: ["occupancy"], speed_ratio_sum: ["speedKmh"] },
  "energy.load": {
    load_mw_sum: ["loadMw"],
    utilisation_sum: ["utilisation"],
    voltage_kv_sum: ["voltageKv"],
    production_mw_sum: ["productionMw"],
    capacity_factor_sum: ["capacityFactor"],
    irradiance_wm2_sum: ["irradianceWm2"],
    wind_speed_ms_sum: ["windSpeedMs"],
  },
  "safety.cameras": {
    vehicles_per_min_sum: ["vehiclesPerMin"],
    pedestrians_per_min_sum: ["pedestriansPerMin"],
    online_count: ["online"],
    alerting_count: ["alert"],
    worst_state: ["online", "alert"],
  },
} as const satisfies Record<string, Record<string, readonly string[]>>;
export type RollupColumn = { [D in keyof typeof ROLLUP_COLUMNS]: keyof (typeof ROLLUP_COLUMNS)[D] }[keyof typeof ROLLUP_COLUMNS];

/** The rollup's value columns of a dataset (none for datasets it keeps no sums of). */
export function rollupColumns(datasetId: string): RollupColumn[] {
  return Object.keys((ROLLUP_COLUMNS as Record<string, object>)[datasetId] ?? {}) as RollupColumn[];
}

/**
 * SQL for rollup column `col` (of `alias`) as the basis may see it: the column itself when
 * every field it is computed from is granted, NULL otherwise (also for a column not of the
 * basis's dataset).
 */
export function rollupColumn(basis: Pick<ReadBasis, "datasetId" | "fields" | "scope">, col: RollupColumn, alias = ""): string {
  const ref = `${alias ? `${alias}.` : ""}${col}`;
  const fields = ((ROLLUP_COLUMNS as Record<string, Record<string, readonly string[]>>)[basis.datasetId] ?? {})[col];
  if (!fields) return `NULL::float8`;
  const allowed = new Set(allowedFields(datasetOf(basis), { fields: basis.fields, scope: "raw" }));
  return fields.every((f) => allowed.has(f)) ? ref : `NULL::float8`;
}

/** The dataset's fields the basis withholds (schema order): those not granted, or dropped by anonymization. */
export function withheldFields(basis: Pick<ReadBasis, "datasetId" | "fields" | "scope">): string[] {
  const d = datasetOf(basis);
  const allowed = new Set(allowedFields(d, basis));
  return Object.keys(d.schema.fields).filter((f) => !allowed.has(f));
}
