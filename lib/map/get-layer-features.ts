import type { Viewer } from "../access/viewer";
import type { BBox } from "../city/types";
import { getDb } from "../db/client";
import { getCity } from "../city/current-city";
import type { LayerFeatures, MapLayerId } from "../api/map-specs";
import type { ReadBasis } from "../access/check-read";
import { withinArea } from "../access/scope-sql";
import { layerAccess } from "./access-notes";
import { filterPaths, filterPoints, mapModel } from "./map-features";
import { LAYER_DATASETS } from "./layer-datasets";
import { cityKey } from "./rollup";
import { trafficSet } from "./registry-sensors";
import { CITIZEN_LAYER_SERVICES } from "./citizen-layer";

/**
 * The static geometry of a layer, from the city model: traffic sensors' segments (the
 * model's sensors and registered traffic devices placed on its segments) and signalised intersections; substations, feeders, renewable sites and the hexagon cells
 * consumption is aggregated on; police and fire stations, response coverage and cameras.
 * Public infrastructure (the same the base map draws) comes to everyone; the traffic
 * sensors and the cameras are devices of their datasets: they come with raw access only, and
 * under a grant limited to an area only those inside it (anonymized and aggregated scopes
 * are drawn as cells, from the layer's latest values, never as devices).
 */
export async function getLayerFeatures(opts: { viewer: Viewer; layer: MapLayerId; bbox?: BBox }): Promise<LayerFeatures> {
  const db = await getDb();
  const city = getCity();
  const m = mapModel(city);
  const key = cityKey(city);
  const bbox = opts.bbox;
  const access = await layerAccess(db.sql, opts.viewer, LAYER_DATASETS[opts.layer].map((d) => d.id), { require: opts.layer === "traffic" });
  if (opts.layer === "traffic") {
    const t = m.traffic;
    const tb = access.basis("traffic.flow");
    // The model's sensors and the registered devices placed on its segments (lib/map/registry-sensors).
    const set = await trafficSet(db.sql, city);
    const sensors = tb && access.can("traffic.flow")
      ? inArea(filterPaths(set.sensors, set.paths, bbox, ["segmentIds", "roadIds", "freeFlowKmh", "roadClass"]), tb, (id) => set.location.get(id))
      : { ids: [], startIndices: [0], path: [], segmentIds: [], roadIds: [], freeFlowKmh: [], roadClass: [] };
    await access.record(db.sql, "traffic.flow", { action: "map.features", count: sensors.ids.length });
    return { layer: "traffic", cityKey: key, sensors, signals: filterPoints(t.signals, bbox, []), access: access.notes };
  }
  if (opts.layer === "energy") {
    const e = m.energy;
    return {
      layer: "energy",
      cityKey: key,
      substations: filterPoints(e.substations, bbox, ["capacityMw", "voltageKv"]),
      feeders: filterPaths(e.feeders, m.feederPaths, bbox, ["meterIds", "substationIds", "capacityMw"]),
      renewables: filterPoints(e.renewables, bbox, ["meterIds", "kind", "capacityMw"]),
      cells: filterPoints(e.cells, bbox, []),
      access: access.notes,
    };
  }
  if (opts.layer === "citizen") {
    // The categories are the public catalogue; the reports themselves come with the latest values.
    const categories = CITIZEN_LAYER_SERVICES.map((x) => ({ code: x.code, department: x.department, nameZh: x.nameZh, nameEn: x.nameEn }));
    return { layer: "citizen", cityKey: key, categories, access: access.notes };
  }
  const s = m.safety;
  const cb = access.basis("safety.cameras");
  const cameras = cb && access.can("safety.cameras") ? inArea(filterPoints(s.cameras, bbox, ["headingDeg"]), cb, (id) => m.deviceLocation.get(id)) : null;
  if (cameras) await access.record(db.sql, "safety.cameras", { action: "map.features", count: cameras.ids.length });
  return {
    layer: "safety",
    cityKey: key,
    stations: filterPoints(s.stations, bbox, ["kind"]),
    coverage: filterPoints(s.coverage, bbox, ["policeMin", "fireMin"]),
    cameras,
    access: access.notes,
  };
}

/** Keeps the devices of a feature set that lie in the basis's area (all without one); parallel arrays follow. */
export function inArea<T extends { ids: string[] }>(set: T, basis: Pick<ReadBasis, "area">, locate: (id: string) => readonly [number, number] | undefined): T {
  if (!basis.area) return set;
  const keep = set.ids.map((id) => {
    const p = locate(id);
    return !!p && withinArea(p, basis.area);
  });
  const out = { ...set } as Record<string, unknown>;
  const path = "path" in set && "startIndices" in set;
  for (const [k, v] of Object.entries(set)) {
    if (!Array.isArray(v)) continue;
    if (k === "position") out[k] = (v as unknown[]).filter((_, j) => keep[j >> 1]);
    else if (path && (k === "path" || k === "startIndices")) continue;
    else if (v.length === set.ids.length) out[k] = v.filter((_, j) => keep[j]);
  }
  if (path) {
    const src = set as unknown as { startIndices: number[]; path: number[] };
    const starts = [0], flat: number[] = [];
    keep.forEach((k, i) => {
      if (!k) return;
      flat.push(...src.path.slice(src.startIndices[i] * 2, src.startIndices[i + 1] * 2));
      starts.push(flat.length / 2);
    });
    out.startIndices = starts;
    out.path = flat;
  }
  return out as T;
}
