import type { Sql } from "../../db/sql";
import { processShared } from "../../process-shared";
import type { LatestRow } from "./map-latest";

/**
 * map_latest (the newest reading per device, per incident for safety.incidents) kept in this
 * process's memory, for the map's live reads: at size 10 the whole-city traffic snapshot read
 * 13,960 rows out of the embedded database and parsed each payload on the thread that serves
 * the map, 1.1–1.8 s of the first frame's wait (README "The city maps"). Nothing here is
 * scoped: it is a copy of the table, and like the table it is read only by the scoped read,
 * lib/access/scoped/map-latest.ts, under a viewer's basis (lib/access/scoped-reads.test.ts
 * holds that line).
 *
 * Kept current from the table itself, so every process of a cluster sees what any process
 * folded: each catch-up reads, in one statement (one snapshot), the rollup's cursor and the
 * rows folded since the last one. The rollup only ever replaces a row by a reading of a leaf
 * above its cursor and moves the cursor in the same transaction (lib/map/rollup.ts), so the
 * rows whose leaf is above the cursor seen last are exactly those that changed. A cursor that
 * went back (the derived tables rebuilt: a changed city model, a reset) or a changed city key
 * reloads the whole table.
 */

/** A row of map_latest as the scoped read hands it out (key, device, time, leaf, place, payload). */
export type MemoryRow = LatestRow;

type Memory = {
  cityKey: string | null;
  /** The rollup's cursor the rows are current to; -Infinity: nothing read yet. */
  cursor: number;
  datasets: Map<string, Map<string, MemoryRow>>;
  /** The catch-up running now, and the one callers arriving meanwhile wait for (it begins after). */
  running: Promise<void> | null;
  waiting: Promise<void> | null;
};

/** One copy per database handle in the process: the warm job and the routes read the same one (lib/process-shared.ts). */
const memories = processShared("map-latest-memory", () => new WeakMap<Sql, Memory>());

type Row = {
  cursor: number;
  city_key: string;
  dataset_id: string | null;
  key: string | null;
  device_id: string;
  observed_at: Date | string;
  leaf_index: number;
  lon: number;
  lat: number;
  payload: unknown;
};

async function catchUp(sql: Sql, m: Memory): Promise<void> {
  const full = !Number.isFinite(m.cursor);
  const rows = await sql.query<Row>(
    `SELECT s.last_leaf::float8 AS cursor, s.city_key, l.dataset_id, l.key, l.device_id, l.observed_at, l.leaf_index::float8 AS leaf_index, l.lon, l.lat, l.payload
       FROM map_rollup_state s LEFT JOIN map_latest l ON l.leaf_index > $1
      WHERE s.id = 1`,
    // A first read or a reload takes every row (leaf -1 is below every leaf).
    [full ? -1 : m.cursor],
  );
  if (!rows.length) {
    // No rollup state yet: nothing folded, nothing to show.
    m.datasets.clear();
    m.cursor = Number.NEGATIVE_INFINITY;
    return;
  }
  const cursor = Number(rows[0].cursor), cityKey = rows[0].city_key;
  if (cityKey !== m.cityKey || cursor < m.cursor) {
    // Rebuilt under us: read everything again.
    m.datasets.clear();
    m.cityKey = cityKey;
    m.cursor = Number.NEGATIVE_INFINITY;
    if (!full) return catchUp(sql, m);
  }
  for (const r of rows) {
    if (r.dataset_id === null || r.key === null) continue;
    let d = m.datasets.get(r.dataset_id);
    if (!d) m.datasets.set(r.dataset_id, (d = new Map()));
    d.set(r.key, {
      key: r.key,
      device_id: r.device_id,
      observed_at: new Date(r.observed_at),
      leaf_index: Number(r.leaf_index),
      lon: Number(r.lon),
      lat: Number(r.lat),
      // Frozen: readers share it (a projection keeping every field hands out this object).
      payload: Object.freeze((typeof r.payload === "string" ? JSON.parse(r.payload) : (r.payload ?? {})) as Record<string, unknown>),
    });
  }
  m.cursor = cursor;
}

/**
 * Brings this process's copy of map_latest up to what is committed now: a catch-up that
 * began before this call may miss a commit the caller has seen, so a caller arriving while
 * one runs waits for the next, which callers arriving meanwhile share.
 */
function current(sql: Sql): Promise<Memory> {
  let m = memories.get(sql);
  if (!m) memories.set(sql, (m = { cityKey: null, cursor: Number.NEGATIVE_INFINITY, datasets: new Map(), running: null, waiting: null }));
  const mem = m;
  if (!mem.waiting) {
    const before = mem.running ?? Promise.resolve();
    mem.waiting = before
      .catch(() => {})
      .then(() => {
        mem.waiting = null;
        mem.running = catchUp(sql, mem).catch((e: unknown) => {
          // A failed catch-up leaves nothing half-applied behind: read everything next time.
          mem.datasets.clear();
          mem.cursor = Number.NEGATIVE_INFINITY;
          throw e;
        });
        return mem.running;
      });
  }
  return mem.waiting.then(() => mem);
}

/** Every dataset's newest rows as map_latest holds them now (unscoped: for lib/access/scoped/map-latest.ts only). */
export async function latestRowsNow(sql: Sql, datasetId: string): Promise<Iterable<MemoryRow>> {
  const m = await current(sql);
  return m.datasets.get(datasetId)?.values() ?? [];
}

/** Reads map_latest into memory ahead of the first map (the map's warm job, lib/map/start-map.ts). */
export async function warmLatestMemory(sql: Sql): Promise<void> {
  await current(sql);
}
