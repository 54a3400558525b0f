import { EventEmitter } from "node:events";

/** In-process notice that devices' keys or status changed (after the change committed). */
type Events = { changed: [string[]] };
const KEY = Symbol.for("city-brain.device-events");

function emitter(): EventEmitter<Events> {
  const g = globalThis as { [KEY]?: EventEmitter<Events> };
  if (!g[KEY]) {
    g[KEY] = new EventEmitter<Events>();
    g[KEY].setMaxListeners(100);
  }
  return g[KEY];
}

/** Tells this process's intakes that these devices changed; other processes see it on their next refresh. */
export function emitDevicesChanged(ids: string[]): void {
  if (ids.length) emitter().emit("changed", ids);
}

/** Subscribes to device changes; returns the unsubscribe function. */
export function onDevicesChanged(fn: (ids: string[]) => void): () => void {
  emitter().on("changed", fn);
  return () => emitter().off("changed", fn);
}
