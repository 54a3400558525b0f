import type { Sql } from "../db/sql";
import type { CityModel } from "../city/types";
import { refreshRollup } from "./rollup";

/** How often the rollup is brought up to date while someone watches live. */
export const LIVE_POLL_MS = 1000;

const KEY = Symbol.for("city-brain.map-poller");
type State = { users: number; timer: ReturnType<typeof setInterval> | null; busy: boolean };

/**
 * Keeps the map's rollup current while at least one live stream is open, so energy and
 * safety readings reach the bus ("map-readings") within about a second of their commit.
 * Returns the function that releases this user; the timer stops with the last one.
 */
export function watchMapUpdates(sql: Sql, city: CityModel, onError: (e: Error) => void = () => {}): () => void {
  const g = globalThis as { [KEY]?: State };
  const st = (g[KEY] ??= { users: 0, timer: null, busy: false });
  st.users++;
  if (!st.timer) {
    st.timer = setInterval(() => {
      if (st.busy) return;
      st.busy = true;
      refreshRollup(sql, city)
        .catch((e: Error) => onError(e))
        .finally(() => (st.busy = false));
    }, LIVE_POLL_MS);
    st.timer.unref?.();
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    st.users--;
    if (st.users <= 0 && st.timer) {
      clearInterval(st.timer);
      st.timer = null;
      st.users = 0;
    }
  };
}
