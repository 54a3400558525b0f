import { EventEmitter } from "node:events";

/** Live events inside one process: the simulator and intake publish, SSE streams subscribe. */
export type TrafficUpdate = { device: string; segment: string; speed: number; ratio: number; observedAt: string };
/** A stored reading that changed what the map shows (latest per device or incident), from lib/map/rollup.ts. */
export type MapUpdate = {
  dataset: string;
  key: string;
  device: string;
  observedAt: string;
  leafIndex: number;
  location: [number, number];
  values: Record<string, unknown>;
};
/** A grant that changed (requested, approved, rejected, revoked, expired, made by a rule), announced after its transaction committed. */
export type GrantChange = { grantId: string; datasetId: string; ownerDepartmentId: string; granteeDepartmentId: string; action: string };
export type BusEvents = {
  traffic: [TrafficUpdate[]];
  "map-readings": [MapUpdate[]];
  grants: [GrantChange];
  checkpoint: [{ size: number; root: string; cosigned: number }];
};

const KEY = Symbol.for("city-brain.bus");

export function getBus(): EventEmitter<BusEvents> {
  const g = globalThis as { [KEY]?: EventEmitter<BusEvents> };
  if (!g[KEY]) {
    g[KEY] = new EventEmitter<BusEvents>();
    g[KEY].setMaxListeners(1000);
  }
  return g[KEY];
}
