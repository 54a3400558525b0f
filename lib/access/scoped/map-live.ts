import type { MapUpdate } from "../../events/bus";
import type { ReadBasis } from "../check-read";
import { allowedFields, withinArea } from "../scope-sql";
import { datasetOf, deviceLocation, windowState } from "./map-basis";

/**
 * The live stream's view of stored readings under a read basis: only raw bases see
 * per-device updates, only of devices inside the grant's area, only readings observed inside
 * its data window, with the granted fields only. Pure (the device locations come from the
 * city model): runs on every batch the bus carries.
 */

/** The map updates of one dataset the basis lets through, their values projected to the granted fields. */
export function scopeMapUpdates(basis: ReadBasis, batch: readonly MapUpdate[]): MapUpdate[] {
  if (basis.scope !== "raw") return [];
  const fields = allowedFields(datasetOf(basis), basis);
  const keep = new Set(fields);
  const out: MapUpdate[] = [];
  for (const u of batch) {
    if (u.dataset !== basis.datasetId) continue;
    if (windowState(basis, new Date(u.observedAt)) !== "inside") continue;
    if (basis.area && !withinArea(u.location, basis.area)) continue;
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(u.values)) if (keep.has(k)) values[k] = v;
    // An incident's key is its id: withheld with the id.
    const key = basis.datasetId === "safety.incidents" && !keep.has("incidentId") ? u.device : u.key;
    out.push({ ...u, key, values });
  }
  return out;
}

export type { LiveTrafficUpdate as TrafficUpdate } from "../../api/map-specs";
import type { LiveTrafficUpdate as TrafficUpdate } from "../../api/map-specs";

/** Traffic updates (speed and the ratio computed from it) the basis lets through. */
export function scopeTrafficUpdates(basis: ReadBasis, batch: readonly TrafficUpdate[]): TrafficUpdate[] {
  if (basis.scope !== "raw" || basis.datasetId !== "traffic.flow") return [];
  if (!allowedFields(datasetOf(basis), basis).includes("speedKmh")) return [];
  return batch.filter((u) => {
    if (windowState(basis, new Date(u.observedAt)) !== "inside") return false;
    if (!basis.area) return true;
    const p = deviceLocation(u.device);
    return !!p && withinArea(p, basis.area);
  });
}
