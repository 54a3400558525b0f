import { EventEmitter } from "node:events";

/** Live events inside one process: the simulator and intake publish, SSE streams subscribe. */
export type TrafficUpdate = { device: string; segment: string; speed: number; ratio: number; observedAt: string };
export type BusEvents = {
  traffic: [TrafficUpdate[]];
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
