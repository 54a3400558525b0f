/** The wall's tour (大屏): which layers each step shows, for the viewer's access. Pure: runs in Node for tests. */
import type { AccessNote, MapLayerId } from "@/lib/api/map-specs";
import { LAYER_DATASETS } from "@/lib/map/layer-datasets";

/** The layer sets the wall cycles through, in order. */
export const WALL_LAYER_CYCLE: MapLayerId[][] = [["traffic"], ["energy"], ["safety"], ["citizen"], ["traffic", "energy", "safety"]];

/** Whether the viewer sees a layer's data: its primary dataset is not denied (a scoped grant counts). */
export function layerVisible(layer: MapLayerId, notes: readonly AccessNote[] | undefined): boolean {
  const primary = LAYER_DATASETS[layer].find((d) => d.primary)!.id;
  return !(notes ?? []).some((n) => n.datasetId === primary && !n.allowed);
}

/**
 * The tour's layer sets for the viewer: hidden layers left out of each set, empty and
 * repeated sets dropped (a guest tours traffic alone instead of "no access" screens). Before
 * the notes are known (undefined): public traffic only, never a screen that may be refused.
 */
export function wallCycle(notes: readonly AccessNote[] | undefined): MapLayerId[][] {
  if (!notes) return [["traffic"]];
  const out: MapLayerId[][] = [];
  for (const set of WALL_LAYER_CYCLE) {
    const seen = set.filter((l) => layerVisible(l, notes));
    if (seen.length && !out.some((o) => o.join() === seen.join())) out.push(seen);
  }
  return out.length ? out : [["traffic"]];
}

/** Step i of the wall's tour: a district (or the whole city, -1) and a layer set of the cycle. */
export function wallStep(i: number, districts: number, cycle: MapLayerId[][] = WALL_LAYER_CYCLE): { district: number; layers: MapLayerId[] } {
  const d = i % (districts + 1);
  return { district: d - 1, layers: cycle[i % cycle.length] };
}

/** KPI tiles of the wall the viewer may read (a tile saying "no access" is left out). */
export function wallKpis(ids: readonly string[], notes: readonly AccessNote[] | undefined): string[] {
  const dataset: Record<string, string> = { speed: "traffic.flow", congestion: "traffic.flow", corridors: "traffic.flow", load: "energy.load", reserve: "energy.load", incidents: "safety.incidents" };
  return ids.filter((id) => !(notes ?? []).some((n) => n.datasetId === dataset[id] && !n.allowed));
}
