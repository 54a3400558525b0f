import type { MapLayerId } from "../api/map-specs";

/** The datasets each map layer reads; the first is the one the layer cannot do without. */
export const LAYER_DATASETS: Record<MapLayerId, { id: string; primary: boolean }[]> = {
  traffic: [
    { id: "traffic.flow", primary: true },
    { id: "safety.incidents", primary: false },
  ],
  energy: [{ id: "energy.load", primary: true }],
  safety: [
    { id: "safety.incidents", primary: true },
    { id: "safety.cameras", primary: false },
  ],
  citizen: [{ id: "reports.citizen", primary: true }],
};
