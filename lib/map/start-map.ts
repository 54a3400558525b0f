import type { Sql } from "../db/sql";
import type { CityModel } from "../city/types";
import { soleLeadership, type Leadership } from "../cluster/leader";
import { runEvery } from "../ledger-store/log-service";
import { backgroundRollups, refreshRollup } from "./rollup";
import { warmReplayChunks } from "./get-layer-frames";
import { warmKpiTrend } from "./get-map-kpis";
import { warmLatestMemory } from "../access/scoped/latest-memory";
import { mapModel } from "./map-features";
import { getCityStyle } from "./get-city-style";

/** How often the map's rollup folds in new readings when nobody is asking. */
export const ROLLUP_INTERVAL_MS = 5000;

/**
 * Keeps the map's rollup (5-minute sums and latest values) current in the background, in
 * small steps, so a map request never has to fold a long backlog itself. Returns stop().
 * In a cluster the process holding the "map-rollup" role folds (the rollup lives in the
 * database, so every process's map reads it current); every other process still warms its
 * own replay chunks, which live in its memory.
 */
export function startMapRollup(opts: { sql: Sql; city: CityModel; log: (m: string) => void; leadership?: Leadership }): () => Promise<void> {
  let warned = false;
  backgroundRollups(+1);
  // What a first map would otherwise compute while it waits: the map model (the layers' geometry,
  // 650 ms at size 10) and the base style's text (built once each), the latest values
  // (map_latest), the replay chunks of the last 24 h (a few a run) and the city's 2-hour index
  // trend of the KPIs; all live in this process's memory, shared with the routes (lib/process-shared.ts).
  const warm = async () => {
    mapModel(opts.city);
    await getCityStyle("dark");
    await warmLatestMemory(opts.sql);
    await warmReplayChunks(opts.sql, opts.city);
    await warmKpiTrend(opts.sql, opts.city);
  };
  const stop = (opts.leadership ?? soleLeadership()).every(
    "map-rollup",
    ROLLUP_INTERVAL_MS,
    () => refreshRollup(opts.sql, opts.city, { stepLeaves: 20_000, stepMs: 250 }).then(warm).then(() => (warned = false)),
    (e) => {
      if (!warned) opts.log(`map rollup failed: ${e.message}`);
      warned = true;
    },
  );
  const leadership = opts.leadership;
  const stopWarm = leadership
    ? runEvery(ROLLUP_INTERVAL_MS, async () => (leadership.holds("map-rollup") ? undefined : warm()), () => {})
    : async () => {};
  return async () => {
    await stopWarm();
    await stop();
    backgroundRollups(-1);
  };
}
