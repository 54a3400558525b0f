import type { Viewer } from "../access/viewer";
import { getDb } from "../db/client";
import { getCity } from "../city/current-city";
import { DEPARTMENTS } from "../city";
import { MAP_LAYERS, type MapLayers } from "../api/map-specs";
import { layerAccess } from "./access-notes";
import { LAYER_DATASETS } from "./layer-datasets";
import { cityKey } from "./rollup";

/** The map's layers, the datasets each reads, and the access check's answer for each dataset. */
export async function listMapLayers(opts: { viewer: Viewer }): Promise<MapLayers> {
  const db = await getDb();
  const ids = [...new Set(MAP_LAYERS.flatMap((l) => LAYER_DATASETS[l].map((d) => d.id)))];
  const access = await layerAccess(db.sql, opts.viewer, ids);
  return {
    cityKey: cityKey(getCity()),
    layers: MAP_LAYERS.map((id) => ({ id, datasets: LAYER_DATASETS[id] })),
    departments: DEPARTMENTS.map((d) => ({ id: d.id, nameZh: d.nameZh, nameEn: d.nameEn })),
    access: access.notes,
  };
}
