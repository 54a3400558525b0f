import type { Viewer } from "../access/viewer";
import type { BBox } from "../city/types";
import { getDb } from "../db/client";
import { getCity } from "../runtime/city";
import type { LayerFeatures, MapLayerId } from "../api/map-specs";
import { layerAccess } from "./access-notes";
import { filterPaths, filterPoints, mapModel } from "./map-features";
import { LAYER_DATASETS } from "./layer-datasets";
import { cityKey } from "./rollup";

/**
 * The static geometry of a layer, from the city model: traffic sensors' segments and
 * signalised intersections; substations, feeders, renewable sites and the hexagon cells
 * consumption is aggregated on; police and fire stations, response coverage and cameras.
 * Public infrastructure (the same the base map draws) comes to everyone; the traffic
 * sensors and the cameras are devices of their datasets and need read access to them.
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
    const sensors = access.can("traffic.flow")
      ? filterPaths(t.sensors, m.sensorPaths, bbox, ["segmentIds", "roadIds", "freeFlowKmh"])
      : { ids: [], startIndices: [0], path: [], segmentIds: [], roadIds: [], freeFlowKmh: [] };
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
  const s = m.safety;
  const cameras = access.can("safety.cameras") ? filterPoints(s.cameras, bbox, ["headingDeg"]) : null;
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
