import type { Sql, SqlTx } from "../db/sql";
import type { CityModel } from "../city/types";
import { trafficIndex } from "./traffic-index";
import { getBus, type MapUpdate } from "../events/bus";
import { giveWay } from "../db/give-way";
import { registrySensorsChanged, segmentsOf, trafficSetNow } from "./registry-sensors";

/**
 * Folds readings into the map's derived tables (see prisma/migrations/20261125040000_map and
 * 20261205000000_map_rollup_named_columns, which names each column):
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
 *   by the ledger's row lock (lib/ledger-store/append-entries.ts), so the cursor lock adds no
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

/** A sum column plus the new rows' sum, either side NULL (nothing that applies yet) counting as nothing. */
const add = (col: string) => `coalesce(m.${col} + excluded.${col}, m.${col}, excluded.${col})`;

/**
 * A reading's quantities (the columns of the fold's `t`): one column each, NULL where it
 * does not apply to the reading's dataset or meter, over a reading `r` LEFT JOIN map_sensor `s`;
 * `statesParam` is the placeholder of CAMERA_STATES.
 */
const readingQuantities = (statesParam: string) => `r.dataset_id = 'traffic.flow' AS traffic,
         r.dataset_id = 'energy.load' AND payload->>'meter' = 'feeder' AS feeder,
         r.dataset_id = 'energy.load' AND payload->>'meter' = 'production' AS production,
         r.dataset_id = 'safety.cameras' AS camera,
         (payload->>'speedKmh')::float8 AS speed_kmh,
         (payload->>'flowVehH')::float8 AS flow_veh_h,
         (payload->>'occupancy')::float8 AS occupancy,
         (payload->>'speedKmh')::float8 / nullif(s.free_flow_kmh, 0) AS speed_ratio,
         (payload->>'loadMw')::float8 AS load_mw,
         (payload->>'utilisation')::float8 AS utilisation,
         (payload->>'voltageKv')::float8 AS voltage_kv,
         (payload->>'productionMw')::float8 AS production_mw,
         (payload->>'capacityFactor')::float8 AS capacity_factor,
         (payload->>'irradianceWm2')::float8 AS irradiance_wm2,
         (payload->>'windSpeedMs')::float8 AS wind_speed_ms,
         (payload->>'vehiclesPerMin')::float8 AS vehicles_per_min,
         (payload->>'pedestriansPerMin')::float8 AS pedestrians_per_min,
         ((payload->>'online')::boolean)::int AS online,
         (coalesce(payload->>'alert', 'none') <> 'none')::int AS alerting,
         CASE WHEN r.dataset_id = 'safety.cameras' THEN
           CASE WHEN (payload->>'online')::boolean THEN coalesce(array_position(${statesParam}::text[], payload->>'alert'), 1) ELSE 0 END
         END AS state`;

/** Per device and bucket, the sums of map_bucket_5m's columns in their order, over `t`'s rows (GROUP BY dataset_id, device_id, bucket). */
const DEVICE_SUMS = `sum(speed_kmh) FILTER (WHERE traffic) AS speed_kmh_sum, sum(flow_veh_h) FILTER (WHERE traffic) AS flow_veh_h_sum,
         sum(occupancy) FILTER (WHERE traffic) AS occupancy_sum, sum(speed_ratio) FILTER (WHERE traffic) AS speed_ratio_sum,
         sum(load_mw) FILTER (WHERE feeder) AS load_mw_sum, sum(utilisation) FILTER (WHERE feeder) AS utilisation_sum, sum(voltage_kv) FILTER (WHERE feeder) AS voltage_kv_sum,
         sum(production_mw) FILTER (WHERE production) AS production_mw_sum, sum(capacity_factor) FILTER (WHERE production) AS capacity_factor_sum,
         sum(irradiance_wm2) FILTER (WHERE production) AS irradiance_wm2_sum, sum(wind_speed_ms) FILTER (WHERE production) AS wind_speed_ms_sum,
         sum(vehicles_per_min) FILTER (WHERE camera) AS vehicles_per_min_sum, sum(pedestrians_per_min) FILTER (WHERE camera) AS pedestrians_per_min_sum,
         sum(online) FILTER (WHERE camera) AS online_count, sum(alerting) FILTER (WHERE camera) AS alerting_count, max(state) AS worst_state,
         max(leaf_index) AS last_leaf`;

/**
 * map_bucket_5m's rows computed from the reading table instead of the rollup: per device
 * and 5-minute bucket, n and every sum column under its name, over the readings `where`
 * admits (conditions on the reading alias `r`; `params` gets CAMERA_STATES). For reads
 * whose terms are finer than a device's bucket: a grant's area holds readings by the
 * place each was taken (lib/access/scope-sql.ts), which the rollup, per device, no longer knows.
 */
export function readingBucketSums(where: string[], params: unknown[]): string {
  params.push(CAMERA_STATES);
  return `SELECT t.dataset_id, t.device_id, t.bucket, count(*)::int8 AS n, ${DEVICE_SUMS}
    FROM (SELECT r.dataset_id, r.device_id, r.leaf_index,
                 to_timestamp(floor(extract(epoch FROM r.observed_at) / ${BUCKET_S}) * ${BUCKET_S}) AS bucket,
                 ${readingQuantities(`$${params.length}`)}
            FROM reading r LEFT JOIN map_sensor s ON r.dataset_id = 'traffic.flow' AND s.device_id = r.device_id
           WHERE ${where.join(" AND ")}) t
   GROUP BY t.dataset_id, t.device_id, t.bucket`;
}

/**
 * The fold of leaves ($1, $2]: per reading its quantities (one column each, NULL where it
 * does not apply to the reading's dataset or meter; the column comments are in
 * prisma/migrations/20261205000000_map_rollup_named_columns), summed per device and bucket
 * into map_bucket_5m and per dataset and bucket into map_bucket_total.
 */
const FOLD = `
WITH r AS MATERIALIZED (
  SELECT dataset_id, device_id, observed_at, leaf_index, lon, lat, payload::jsonb AS payload,
         to_timestamp(floor(extract(epoch FROM observed_at) / ${BUCKET_S}) * ${BUCKET_S}) AS bucket
    FROM reading
   WHERE leaf_index > $1 AND leaf_index <= $2
),
t AS MATERIALIZED (
  SELECT r.dataset_id, r.device_id, r.bucket, r.leaf_index,
         ${readingQuantities("$3")}
    FROM r LEFT JOIN map_sensor s ON r.dataset_id = 'traffic.flow' AND s.device_id = r.device_id
   WHERE r.dataset_id IN ('traffic.flow', 'energy.load', 'safety.cameras')
),
per_device AS (
  INSERT INTO map_bucket_5m AS m (dataset_id, device_id, bucket, n,
         speed_kmh_sum, flow_veh_h_sum, occupancy_sum, speed_ratio_sum,
         load_mw_sum, utilisation_sum, voltage_kv_sum,
         production_mw_sum, capacity_factor_sum, irradiance_wm2_sum, wind_speed_ms_sum,
         vehicles_per_min_sum, pedestrians_per_min_sum, online_count, alerting_count, worst_state, last_leaf)
  SELECT dataset_id, device_id, bucket, count(*), ${DEVICE_SUMS}
    FROM t GROUP BY dataset_id, device_id, bucket
  ON CONFLICT (dataset_id, bucket, device_id) DO UPDATE
    SET n = m.n + excluded.n,
        speed_kmh_sum = ${add("speed_kmh_sum")}, flow_veh_h_sum = ${add("flow_veh_h_sum")},
        occupancy_sum = ${add("occupancy_sum")}, speed_ratio_sum = ${add("speed_ratio_sum")},
        load_mw_sum = ${add("load_mw_sum")}, utilisation_sum = ${add("utilisation_sum")}, voltage_kv_sum = ${add("voltage_kv_sum")},
        production_mw_sum = ${add("production_mw_sum")}, capacity_factor_sum = ${add("capacity_factor_sum")},
        irradiance_wm2_sum = ${add("irradiance_wm2_sum")}, wind_speed_ms_sum = ${add("wind_speed_ms_sum")},
        vehicles_per_min_sum = ${add("vehicles_per_min_sum")}, pedestrians_per_min_sum = ${add("pedestrians_per_min_sum")},
        online_count = ${add("online_count")}, alerting_count = ${add("alerting_count")},
        worst_state = greatest(m.worst_state, excluded.worst_state), last_leaf = greatest(m.last_leaf, excluded.last_leaf)
  RETURNING 1
),
per_dataset AS (
  INSERT INTO map_bucket_total AS m (dataset_id, bucket, n, speed_ratio_sum, speed_kmh_sum, congested_count,
         load_mw_sum, production_mw_sum, load_readings, production_readings, online_count, alerting_count, last_leaf)
  SELECT dataset_id, bucket, count(*),
         sum(speed_ratio) FILTER (WHERE traffic), sum(speed_kmh) FILTER (WHERE traffic),
         CASE WHEN bool_or(traffic) THEN count(*) FILTER (WHERE traffic AND speed_ratio < 0.5) END,
         sum(load_mw) FILTER (WHERE feeder), sum(production_mw) FILTER (WHERE production),
         CASE WHEN dataset_id = 'energy.load' THEN count(*) FILTER (WHERE feeder) END,
         CASE WHEN dataset_id = 'energy.load' THEN count(*) FILTER (WHERE production) END,
         sum(online) FILTER (WHERE camera), sum(alerting) FILTER (WHERE camera),
         max(leaf_index)
    FROM t GROUP BY dataset_id, bucket
  ON CONFLICT (dataset_id, bucket) DO UPDATE
    SET n = m.n + excluded.n,
        speed_ratio_sum = ${add("speed_ratio_sum")}, speed_kmh_sum = ${add("speed_kmh_sum")}, congested_count = ${add("congested_count")},
        load_mw_sum = ${add("load_mw_sum")}, production_mw_sum = ${add("production_mw_sum")},
        load_readings = ${add("load_readings")}, production_readings = ${add("production_readings")},
        online_count = ${add("online_count")}, alerting_count = ${add("alerting_count")},
        last_leaf = greatest(m.last_leaf, excluded.last_leaf)
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
  registrySensorsChanged();
}

/**
 * Places registered traffic devices that are not sensors of the city model on its road
 * segments (map_sensor, origin 'registry') before their readings in leaves (last, upto] are
 * folded, so even a device's first reading has its speed ratio: the segment is the device's
 * registered one (device.segment_id), else the one its first reading of the range names
 * (values.segmentId), when the city model has it. The free-flow speed and road are the
 * segment's, as for the model's sensors; the place is the device's registered one (area
 * grants). A device with neither stays unplaced (its readings are still ledgered, kept and
 * served by NGSI-LD; the map does not draw it) and is looked at again with its next reading.
 * Returns the devices placed.
 */
async function placeRegistrySensors(tx: SqlTx, city: CityModel, last: number, upto: number): Promise<string[]> {
  // The registered traffic devices not yet placed, first: usually none (the model's sensors are
  // all in map_sensor), and then no reading is looked at. Scanning the range's readings for them
  // instead took 366 ms a backlog step at size 10 (PGlite, 5.5 million readings), on the thread
  // that serves the map.
  const unplaced = await tx.query<{ id: string }>(
    `SELECT d.id FROM device d WHERE d.dataset_id = 'traffic.flow' AND NOT EXISTS (SELECT 1 FROM map_sensor s WHERE s.device_id = d.id)`,
  );
  if (!unplaced.length) return [];
  const rows = await tx.query<{ device_id: string; registered: string | null; seg: string | null; lon: number; lat: number }>(
    `SELECT DISTINCT ON (r.device_id) r.device_id, d.segment_id AS registered, r.payload->>'segmentId' AS seg, d.lon, d.lat
       FROM reading r JOIN device d ON d.id = r.device_id
      WHERE r.leaf_index > $1 AND r.leaf_index <= $2 AND r.dataset_id = 'traffic.flow' AND r.device_id = ANY($3::text[])
      ORDER BY r.device_id, r.leaf_index`,
    [last, upto, unplaced.map((u) => u.id)],
  );
  if (!rows.length) return [];
  const segments = segmentsOf(city);
  const placed: { id: string; seg: string; road: string; ff: number; lon: number; lat: number }[] = [];
  for (const r of rows) {
    const s = segments.get(r.registered ?? "") ?? segments.get(r.seg ?? "");
    if (s) placed.push({ id: r.device_id, seg: s.id, road: s.roadId, ff: s.freeFlowKmh, lon: Number(r.lon), lat: Number(r.lat) });
  }
  if (!placed.length) return [];
  await tx.query(
    `INSERT INTO map_sensor (device_id, segment_id, road_id, free_flow_kmh, origin, lon, lat)
     SELECT id, seg, road, ff, 'registry', lon, lat
       FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[]) AS u(id, seg, road, ff, lon, lat)
     ON CONFLICT (device_id) DO NOTHING`,
    [placed.map((p) => p.id), placed.map((p) => p.seg), placed.map((p) => p.road), placed.map((p) => p.ff), placed.map((p) => p.lon), placed.map((p) => p.lat)],
  );
  registrySensorsChanged();
  return placed.map((p) => p.id);
}

const knownCache = new WeakMap<CityModel, Set<string>>();
/** Devices of the city model: a commit of theirs alone places nothing (the model's sensors are in map_sensor). */
function modelDevices(city: CityModel): Set<string> {
  let s = knownCache.get(city);
  if (!s) knownCache.set(city, (s = new Set(city.devices.map((d) => d.id))));
  return s;
}

/** Registered devices of datasets other than traffic.flow seen in commits (the map never places them). */
const NOT_TRAFFIC = new Set<string>();

/** Leaves a commit folds besides its own when the cursor is behind; beyond that it leaves them (and its own) to the backlog. */
export const CATCH_UP_LEAVES = 5_000;

/** Folds leaves (last, upto] under the caller's cursor lock, moves the cursor, and returns the changed latest rows. */
async function foldRange(tx: SqlTx, city: CityModel, last: number, upto: number, devices?: readonly string[]): Promise<LatestChange[]> {
  // A commit of model devices, placed sensors and registered devices of other datasets alone
  // has nothing to place (the usual case: no query).
  const known = modelDevices(city), placed = trafficSetNow(city).index;
  const unknown = devices?.filter((d) => !known.has(d) && !placed.has(d) && !NOT_TRAFFIC.has(d));
  if (!unknown || unknown.length) {
    await placeRegistrySensors(tx, city, last, upto);
    // A device's dataset is fixed at its registration: one of another dataset is never looked at again.
    if (unknown?.length) {
      const other = await tx.query<{ id: string }>(`SELECT id FROM device WHERE id = ANY($1::text[]) AND dataset_id <> 'traffic.flow'`, [unknown]);
      for (const r of other) NOT_TRAFFIC.add(r.id);
    }
  }
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
export async function foldCommit(tx: SqlTx, city: CityModel, upto: number, count: number, devices?: readonly string[]): Promise<boolean> {
  const [state] = await tx.query<{ last_leaf: number; city_key: string }>(
    `SELECT last_leaf::float8 AS last_leaf, city_key FROM map_rollup_state WHERE id = 1 FOR UPDATE`,
  );
  if (!state || state.city_key !== cityKey(city)) return false;
  const last = Number(state.last_leaf);
  if (upto <= last) return true;
  if (upto - last > count + CATCH_UP_LEAVES) return false;
  // Catch-up leaves besides the commit's own may hold any device's readings.
  await announce(tx, last, upto, await foldRange(tx, city, last, upto, upto - last === count ? devices : undefined));
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
 * own short transaction that publishes its live changes as a map-update, with the event
 * loop given back between steps (lib/db/give-way.ts). The run stops at
 * that target and does not chase readings committed while it folds: under sustained
 * ingest a run that re-read the newest leaf after every step never ended, and every map
 * request awaiting it hung. Commits fold their own readings once the cursor is within
 * CATCH_UP_LEAVES of them. Concurrent callers in one process share one run; across
 * processes the cursor row lock serialises them. Returns the map_latest rows that changed,
 * oldest first.
 */
export async function refreshRollup(sql: Sql, city: CityModel, opts: { stepLeaves?: number; stepMs?: number } = {}): Promise<LatestChange[]> {
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
    const most = opts.stepLeaves ?? 100_000;
    // With stepMs, steps are sized to take about that long (from the last step's time), between
    // 2,000 leaves and stepLeaves, the first 5,000: a fold of 20,000 took seconds on PGlite.
    let step = opts.stepMs === undefined ? most : Math.min(most, 5_000);
    let stepped = 0;
    const changes: LatestChange[] = [];
    let target: number | null = null;
    let spent = 0;
    for (let first = true; ; first = false) {
      // Requests are served between steps (the first goes at once: a map request may be waiting on it).
      if (!first) await giveWay(spent);
      const t0 = performance.now();
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
        stepped = upto - last;
        const folded = await foldRange(tx, city, last, upto);
        await announce(tx, last, upto, folded);
        changes.push(...folded);
        return upto >= target;
      });
      spent = performance.now() - t0;
      if (done) break;
      if (opts.stepMs !== undefined) step = Math.max(Math.min(2_000, most), Math.min(most, Math.floor((stepped * opts.stepMs) / Math.max(1, spent))));
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
