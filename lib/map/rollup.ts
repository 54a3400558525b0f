import type { Sql, SqlTx } from "../db/sql";
import type { CityModel } from "../city/types";
import { trafficIndex } from "./traffic-index";
import { getBus, type MapUpdate } from "../runtime/bus";

/**
 * Folds readings into the map's derived tables (see prisma/migrations/20261125040000_map):
 * 5-minute sums per device (map_bucket_5m), per dataset (map_bucket_total) and the latest
 * reading per device or incident (map_latest). Readings are read in ledger order from a
 * cursor (map_rollup_state.last_leaf); leaf indexes are assigned in commit order, so a
 * reading can never appear below the cursor later and nothing is missed or counted twice,
 * however late a reading arrives. Readings themselves are never changed.
 *
 * Two paths fold, both under the cursor row's lock (map_rollup_state, FOR UPDATE), and both
 * fold exactly the leaves (cursor, upto] and move the cursor to upto in the same
 * transaction, so a reading is counted once whichever process or path folds it:
 * - foldCommit, inside the intake's commit transaction (runtime wires it as the intake's
 *   onCommit): the commit's own readings, plus any leaves the cursor is behind by (at most
 *   CATCH_UP_LEAVES). It publishes the commit's map-update on the bus in that transaction.
 *   Every console process folds its own commits this way; commits are already serialised
 *   by the ledger's row lock (lib/log/append-entries.ts), so the cursor lock adds no
 *   ordering of its own, and it is always taken after the ledger's (no deadlock).
 * - refreshRollup, the backlog: readings no commit folded (after a restart with a lagging
 *   cursor, a changed city model, fixtures that store readings directly). Any process may
 *   run it (lib/map/start-map.ts every few seconds; in a cluster the leader's job is
 *   enough); concurrent runs and commits serialise on the cursor row.
 */

/** Datasets the rollup folds (incidents only into map_latest). */
export const ROLLUP_DATASETS = ["traffic.flow", "energy.load", "safety.cameras", "safety.incidents"] as const;
export const BUCKET_S = 300;
/** Camera alerts in the order of their state code (code = 1 + index; 0 = offline). */
export const CAMERA_STATES = ["none", "congestion", "accident", "fire", "crowd"] as const;

/** A reading that changed map_latest, as the live stream sends it. */
export type LatestChange = MapUpdate;
/** Changes observed longer ago than this are not announced live (history: a device's backlog, the simulator's backfill). */
const ANNOUNCE_WITHIN_MS = 10 * 60_000;

/** The key of the city model the derived tables were computed for. */
export function cityKey(city: CityModel): string {
  return `${city.seed}:${city.size}:${city.stats.devices}:${city.stats.segments}`;
}

const FOLD = `
WITH r AS MATERIALIZED (
  SELECT dataset_id, device_id, observed_at, leaf_index, lon, lat, payload,
         to_timestamp(floor(extract(epoch FROM observed_at) / ${BUCKET_S}) * ${BUCKET_S}) AS bucket
    FROM reading
   WHERE leaf_index > $1 AND leaf_index <= $2
),
t AS MATERIALIZED (
  SELECT r.dataset_id, r.device_id, r.bucket, r.leaf_index,
         CASE r.dataset_id
           WHEN 'traffic.flow' THEN (payload->>'speedKmh')::float8
           WHEN 'energy.load' THEN coalesce((payload->>'loadMw')::float8, (payload->>'productionMw')::float8)
           ELSE (payload->>'vehiclesPerMin')::float8 END AS v1,
         CASE r.dataset_id
           WHEN 'traffic.flow' THEN (payload->>'flowVehH')::float8
           WHEN 'energy.load' THEN coalesce((payload->>'utilisation')::float8, (payload->>'capacityFactor')::float8)
           ELSE (payload->>'pedestriansPerMin')::float8 END AS v2,
         CASE r.dataset_id
           WHEN 'traffic.flow' THEN (payload->>'occupancy')::float8
           WHEN 'energy.load' THEN coalesce((payload->>'voltageKv')::float8, (payload->>'irradianceWm2')::float8, (payload->>'windSpeedMs')::float8)
           ELSE ((payload->>'online')::boolean)::int END AS v3,
         CASE r.dataset_id
           WHEN 'traffic.flow' THEN (payload->>'speedKmh')::float8 / nullif(s.free_flow_kmh, 0)
           WHEN 'energy.load' THEN 0
           ELSE (coalesce(payload->>'alert', 'none') <> 'none')::int END AS v4,
         CASE r.dataset_id WHEN 'safety.cameras' THEN
           CASE WHEN (payload->>'online')::boolean THEN coalesce(array_position($3::text[], payload->>'alert'), 1) ELSE 0 END
         END AS m1,
         (payload->>'meter') AS meter
    FROM r LEFT JOIN map_sensor s ON r.dataset_id = 'traffic.flow' AND s.device_id = r.device_id
   WHERE r.dataset_id IN ('traffic.flow', 'energy.load', 'safety.cameras')
),
per_device AS (
  INSERT INTO map_bucket_5m AS m (dataset_id, device_id, bucket, n, v1, v2, v3, v4, m1, last_leaf)
  SELECT dataset_id, device_id, bucket, count(*), coalesce(sum(v1), 0), coalesce(sum(v2), 0), coalesce(sum(v3), 0),
         coalesce(sum(v4), 0), max(m1), max(leaf_index)
    FROM t GROUP BY dataset_id, device_id, bucket
  ON CONFLICT (dataset_id, bucket, device_id) DO UPDATE
    SET n = m.n + excluded.n, v1 = m.v1 + excluded.v1, v2 = m.v2 + excluded.v2, v3 = m.v3 + excluded.v3,
        v4 = m.v4 + excluded.v4, m1 = greatest(m.m1, excluded.m1), last_leaf = greatest(m.last_leaf, excluded.last_leaf)
  RETURNING 1
),
per_dataset AS (
  INSERT INTO map_bucket_total AS m (dataset_id, bucket, n, s1, s2, s3, s4, last_leaf)
  SELECT dataset_id, bucket, count(*),
         CASE dataset_id WHEN 'traffic.flow' THEN coalesce(sum(v4), 0)
                         WHEN 'energy.load' THEN coalesce(sum(v1) FILTER (WHERE meter = 'feeder'), 0)
                         ELSE coalesce(sum(v3), 0) END,
         CASE dataset_id WHEN 'traffic.flow' THEN coalesce(sum(v1), 0)
                         WHEN 'energy.load' THEN coalesce(sum(v1) FILTER (WHERE meter = 'production'), 0)
                         ELSE coalesce(sum(v4), 0) END,
         CASE dataset_id WHEN 'traffic.flow' THEN count(*) FILTER (WHERE v4 < 0.5)
                         WHEN 'energy.load' THEN count(*) FILTER (WHERE meter = 'feeder')
                         ELSE 0 END,
         CASE dataset_id WHEN 'energy.load' THEN count(*) FILTER (WHERE meter = 'production') ELSE 0 END,
         max(leaf_index)
    FROM t GROUP BY dataset_id, bucket
  ON CONFLICT (dataset_id, bucket) DO UPDATE
    SET n = m.n + excluded.n, s1 = m.s1 + excluded.s1, s2 = m.s2 + excluded.s2, s3 = m.s3 + excluded.s3,
        s4 = m.s4 + excluded.s4, last_leaf = greatest(m.last_leaf, excluded.last_leaf)
  RETURNING 1
),
latest AS (
  INSERT INTO map_latest AS m (dataset_id, key, device_id, observed_at, leaf_index, lon, lat, payload)
  SELECT DISTINCT ON (dataset_id, k) dataset_id, k, device_id, observed_at, leaf_index, lon, lat, payload
    FROM (SELECT r.*, CASE WHEN dataset_id = 'safety.incidents' THEN coalesce(payload->>'incidentId', device_id) ELSE device_id END AS k
            FROM r WHERE dataset_id IN ('traffic.flow', 'energy.load', 'safety.cameras', 'safety.incidents')) x
   ORDER BY dataset_id, k, observed_at DESC, leaf_index DESC
  ON CONFLICT (dataset_id, key) DO UPDATE
    SET device_id = excluded.device_id, observed_at = excluded.observed_at, leaf_index = excluded.leaf_index,
        lon = excluded.lon, lat = excluded.lat, payload = excluded.payload
    WHERE (excluded.observed_at, excluded.leaf_index) > (m.observed_at, m.leaf_index)
  RETURNING m.dataset_id, m.key, m.device_id, m.observed_at, m.leaf_index, m.lon, m.lat, m.payload
)
SELECT (SELECT count(*) FROM per_device) AS device_rows, (SELECT count(*) FROM per_dataset) AS dataset_rows,
       l.dataset_id, l.key, l.device_id, l.observed_at, l.leaf_index::float8 AS leaf_index, l.lon, l.lat, l.payload
  FROM (SELECT 1) one LEFT JOIN latest l ON true`;

type FoldRow = {
  dataset_id: string | null;
  key: string | null;
  device_id: string | null;
  observed_at: Date | string | null;
  leaf_index: number | null;
  lon: number | null;
  lat: number | null;
  payload: Record<string, unknown> | string | null;
};

/** Rewrites map_sensor and clears the derived tables when the city model changed. */
async function ensureCity(sql: Sql, city: CityModel): Promise<void> {
  const key = cityKey(city);
  const [state] = await sql.query<{ city_key: string }>(`SELECT city_key FROM map_rollup_state WHERE id = 1`);
  if (state?.city_key === key) return;
  const sensors = trafficIndex(city).list;
  const roadOf = new Map(city.network.segments.map((s) => [s.id, s.roadId]));
  await sql.transaction(async (tx) => {
    await tx.query(`SELECT 1 FROM map_rollup_state WHERE id = 1 FOR UPDATE`);
    await tx.exec(`DELETE FROM map_sensor; DELETE FROM map_bucket_5m; DELETE FROM map_bucket_total; DELETE FROM map_latest;`);
    const CHUNK = 5000;
    for (let i = 0; i < sensors.length; i += CHUNK) {
      const c = sensors.slice(i, i + CHUNK);
      await tx.query(
        `INSERT INTO map_sensor (device_id, segment_id, road_id, free_flow_kmh)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[])`,
        [c.map((s) => s.id), c.map((s) => s.segment), c.map((s) => roadOf.get(s.segment) ?? s.segment), c.map((s) => s.freeFlowKmh)],
      );
    }
    await tx.query(`UPDATE map_rollup_state SET last_leaf = -1, city_key = $1, updated_at = now() WHERE id = 1`, [key]);
  });
}

/** Leaves a commit folds besides its own when the cursor is behind; beyond that it leaves them (and its own) to the backlog. */
export const CATCH_UP_LEAVES = 5_000;

/** Folds leaves (last, upto] under the caller's cursor lock, moves the cursor, and returns the changed latest rows. */
async function foldRange(tx: SqlTx, last: number, upto: number): Promise<LatestChange[]> {
  const rows = await tx.query<FoldRow>(FOLD, [last, upto, CAMERA_STATES]);
  const changes: LatestChange[] = [];
  for (const r of rows) {
    if (r.dataset_id === null || r.key === null) continue;
    changes.push({
      dataset: r.dataset_id,
      key: r.key,
      device: r.device_id!,
      observedAt: new Date(r.observed_at!).toISOString(),
      leafIndex: Number(r.leaf_index),
      location: [Number(r.lon), Number(r.lat)],
      values: typeof r.payload === "string" ? (JSON.parse(r.payload) as Record<string, unknown>) : (r.payload ?? {}),
    });
  }
  await tx.query(`UPDATE map_rollup_state SET last_leaf = $1, updated_at = now() WHERE id = 1`, [upto]);
  return changes.sort((a, b) => a.leafIndex - b.leafIndex);
}

/** Publishes the live part of folded changes as one map-update, in the folding transaction. */
async function announce(tx: SqlTx, fromLeaf: number, toLeaf: number, changes: LatestChange[]): Promise<void> {
  const recent = Date.now() - ANNOUNCE_WITHIN_MS;
  const updates = changes.filter((c) => Date.parse(c.observedAt) >= recent);
  if (updates.length) await getBus().publishInTx(tx, "map-update", { fromLeaf, toLeaf, updates });
}

/**
 * Folds one commit's readings (leaves up to `upto`, the commit's last) into the rollup inside
 * the commit's transaction and publishes one map-update for it, carrying every layer's
 * changed values. Leaves the fold to the backlog (returns false) when the derived tables
 * are not set up for this city yet or the cursor is further behind than CATCH_UP_LEAVES
 * besides the commit's own `count` leaves: a restart's backlog is not folded while ingest waits.
 */
export async function foldCommit(tx: SqlTx, city: CityModel, upto: number, count: number): Promise<boolean> {
  const [state] = await tx.query<{ last_leaf: number; city_key: string }>(
    `SELECT last_leaf::float8 AS last_leaf, city_key FROM map_rollup_state WHERE id = 1 FOR UPDATE`,
  );
  if (!state || state.city_key !== cityKey(city)) return false;
  const last = Number(state.last_leaf);
  if (upto <= last) return true;
  if (upto - last > count + CATCH_UP_LEAVES) return false;
  await announce(tx, last, upto, await foldRange(tx, last, upto));
  return true;
}

const BACKGROUND_KEY = Symbol.for("city-brain.map-rollup-background");

/** Counts background jobs folding readings in this process (lib/map/start-map.ts): +1 when one starts, −1 when it stops. */
export function backgroundRollups(delta: 1 | -1): void {
  const g = globalThis as { [BACKGROUND_KEY]?: number };
  g[BACKGROUND_KEY] = (g[BACKGROUND_KEY] ?? 0) + delta;
}

/** Whether a background job keeps the rollup current in this process (a few seconds behind at most). */
export function rollupKeptCurrent(): boolean {
  return ((globalThis as { [BACKGROUND_KEY]?: number })[BACKGROUND_KEY] ?? 0) > 0;
}

const running = new WeakMap<Sql, Promise<LatestChange[]>>();
const cityChecked = new WeakMap<Sql, string>();

/**
 * Brings the derived tables up to the newest reading committed when the run starts (the
 * backlog no commit folded, see above), in steps of at most `stepLeaves` leaves, each its
 * own short transaction that publishes its live changes as a map-update. The run stops at
 * that target and does not chase readings committed while it folds: under sustained
 * ingest a run that re-read the newest leaf after every step never ended, and every map
 * request awaiting it hung. Commits fold their own readings once the cursor is within
 * CATCH_UP_LEAVES of them. Concurrent callers in one process share one run; across
 * processes the cursor row lock serialises them. Returns the map_latest rows that changed,
 * oldest first.
 */
export async function refreshRollup(sql: Sql, city: CityModel, opts: { stepLeaves?: number } = {}): Promise<LatestChange[]> {
  const inFlight = running.get(sql);
  if (inFlight) return inFlight;
  const run = (async () => {
    const key = cityKey(city);
    if (cityChecked.get(sql) !== key) {
      await ensureCity(sql, city);
      cityChecked.set(sql, key);
    }
    // Nothing behind (commits fold their own readings): no lock taken.
    const [peek] = await sql.query<{ last_leaf: number; hi: number | null }>(
      `SELECT last_leaf::float8 AS last_leaf, (SELECT max(leaf_index)::float8 FROM reading) AS hi FROM map_rollup_state WHERE id = 1`,
    );
    if (peek && (peek.hi === null || Number(peek.hi) <= Number(peek.last_leaf))) return [];
    const step = opts.stepLeaves ?? 100_000;
    const changes: LatestChange[] = [];
    let target: number | null = null;
    for (;;) {
      const done = await sql.transaction(async (tx) => {
        const [state] = await tx.query<{ last_leaf: number; city_key: string }>(
          `SELECT last_leaf::float8 AS last_leaf, city_key FROM map_rollup_state WHERE id = 1 FOR UPDATE`,
        );
        if (state.city_key !== key) throw new Error(`map rollup: the city changed under this process (${state.city_key} ≠ ${key})`);
        if (target === null) {
          const [{ hi }] = await tx.query<{ hi: number | null }>(`SELECT max(leaf_index)::float8 AS hi FROM reading`);
          target = hi === null ? -1 : Number(hi);
        }
        const last = Number(state.last_leaf);
        if (target <= last) return true;
        const upto = Math.min(target, last + step);
        const folded = await foldRange(tx, last, upto);
        await announce(tx, last, upto, folded);
        changes.push(...folded);
        return upto >= target;
      });
      if (done) break;
    }
    return changes.sort((a, b) => a.leafIndex - b.leafIndex);
  })();
  running.set(sql, run);
  try {
    return await run;
  } finally {
    running.delete(sql);
  }
}
