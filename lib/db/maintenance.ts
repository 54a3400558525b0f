import type { Sql } from "./sql";
import { fileDescriptors } from "../ops/file-descriptors";
import { giveWay } from "./give-way";

/**
 * Vacuum and planner statistics for the embedded database.
 *
 * PGlite runs PostgreSQL in single-user mode: there is no autovacuum worker, so nothing
 * removes the dead row versions that updates in place leave, and nothing gathers the planner's
 * statistics (every table keeps reltuples = -1 and no pg_statistic rows, so the planner guesses,
 * e.g. a third of a table for any range). On a size-10 folder (README "The embedded database's
 * upkeep") `map_latest`, which the map's rollup rewrites on every commit, held 220 MB of heap
 * for 19,344 rows, and a rewrite of a row cost 17–19 µs of CPU against 4–6 µs once upkept.
 *
 * This job does for the embedded database what autovacuum does for a server, with the same
 * default thresholds, read from the same statistics (`pg_stat_user_tables` is kept in
 * single-user mode too): a table is vacuumed once its dead row versions exceed 50 + 20 % of
 * its rows, and analysed once the rows changed since its last ANALYZE exceed 50 + 10 %. The
 * statistics do not survive a kill -9, so the first round after a start also vacuums the
 * tables updated in place, and a table never analysed is analysed once its file holds a page,
 * whatever the counters say. PGlite runs on the thread
 * that serves requests: one table at a time, with the event loop given back in between.
 * On PostgreSQL the server's autovacuum does this and the job is not started.
 */

/** autovacuum_vacuum_threshold, autovacuum_vacuum_scale_factor (PostgreSQL's defaults). */
export const VACUUM_BASE = 50;
export const VACUUM_SCALE = 0.2;
/** autovacuum_analyze_threshold, autovacuum_analyze_scale_factor. */
export const ANALYZE_BASE = 50;
export const ANALYZE_SCALE = 0.1;

/**
 * Tables the console updates in place (a row per device, dataset or state), vacuumed on a
 * start's first round. Not map_bucket_5m: it holds a row per device and five minutes (5.5
 * million at size 10), only the newest of which are updated, and the first VACUUM of it
 * scans its indexes whole (1.8 s of the thread on that folder); its updates are heap-only and
 * pruned on their page, and the thresholds still apply to it.
 */
export const UPDATED_IN_PLACE = ["map_latest", "map_bucket_total", "map_rollup_state", "map_frame_chunk", "device", "ledger_state", "ledger_tile", "witness_state"] as const;

/**
 * The statistics target of the job's ANALYZE (PostgreSQL's default is 100): it samples 300 rows
 * per unit of target. On the size-10 folder ANALYZE of a day of readings took 400–470 ms at
 * 100 and 126–138 ms at 30, on the thread that serves requests; 9,000 sampled rows still give
 * the planner the datasets' shares and the time ranges it chooses its scans by.
 */
export const STATISTICS_TARGET = 30;

/** How often the job looks at the statistics: autovacuum's default naptime is a minute. */
export const MAINTENANCE_INTERVAL_MS = 30_000;
/**
 * The first round waits this long after the start: it analyses every table (a few seconds of
 * the thread in steps at size 10) and should not fall on the first maps people open.
 */
export const FIRST_ROUND_AFTER_MS = 120_000;

export type TableActivity = {
  table: string;
  /** Live rows as the statistics count them (n_live_tup). */
  live: number;
  /** Dead row versions not yet vacuumed (n_dead_tup). */
  dead: number;
  /** Rows inserted, updated or deleted since the last ANALYZE (n_mod_since_analyze). */
  modified: number;
  /** pg_class.reltuples: -1 for a table never vacuumed nor analysed. */
  reltuples: number;
  /** The heap's size: the counters above start from zero after a kill -9, the file does not. */
  bytes: number;
  /** A row's average width as the last ANALYZE saw it (the columns' pg_stats.avg_width summed); null before one. */
  rowWidth: number | null;
};

export type MaintenanceAction = { table: string; action: "vacuum" | "analyze" | "compact" };

/**
 * VACUUM makes a dead version's room reusable but gives back no page: a table bloated before
 * the upkeep existed keeps its size. On the size-10 folder filled before it, `map_latest` held
 * 220 MB of heap for 19,344 rows of about 130 B (its rewrites were not heap-only then), and
 * every read of the live map scanned those pages. A table updated in place is rewritten
 * (VACUUM FULL) when its heap is more than COMPACT_FACTOR times what its rows need at half-full
 * pages (the lowest fillfactor set), and at least COMPACT_MIN_BYTES. VACUUM FULL holds the
 * table's lock and the thread for the copy, so only these tables, small once compacted, and
 * at most COMPACT_MAX_BYTES of heap (a larger one is only vacuumed).
 */
export const COMPACT_FACTOR = 4;
export const COMPACT_MIN_BYTES = 16 << 20;
export const COMPACT_MAX_BYTES = 2 * 2 ** 30;
/** A heap tuple's header and its line pointer, beside the columns' widths. */
const TUPLE_OVERHEAD = 28;

/** Whether a table's heap is so much larger than its rows that only a rewrite gives the room back. */
export function isBloated(t: TableActivity): boolean {
  if (t.rowWidth === null || t.reltuples < 0 || t.bytes < COMPACT_MIN_BYTES) return false;
  const needed = Math.max(t.reltuples, t.live) * (t.rowWidth + TUPLE_OVERHEAD) * 2;
  return t.bytes > COMPACT_FACTOR * needed;
}

/**
 * What a round does, table by table: VACUUM (FULL, ANALYZE) where a table updated in place is
 * bloated (isBloated), VACUUM (ANALYZE) where dead rows passed the threshold
 * (or, on a start's first round, for a table updated in place that has rows), ANALYZE where
 * changes passed its threshold or the table has rows and was never analysed.
 */
export function maintenancePlan(tables: readonly TableActivity[], opts: { firstRound: boolean }): MaintenanceAction[] {
  const inPlace = new Set<string>(UPDATED_IN_PLACE);
  const plan: MaintenanceAction[] = [];
  for (const t of tables) {
    if (inPlace.has(t.table) && isBloated(t) && t.bytes <= COMPACT_MAX_BYTES) {
      plan.push({ table: t.table, action: "compact" });
      continue;
    }
    const rows = Math.max(t.live, t.reltuples, 0);
    const vacuum = t.dead > VACUUM_BASE + VACUUM_SCALE * rows || (opts.firstRound && inPlace.has(t.table) && t.bytes > 0);
    const analyze = t.modified > ANALYZE_BASE + ANALYZE_SCALE * rows || (t.reltuples < 0 && t.bytes > 0);
    if (vacuum) plan.push({ table: t.table, action: "vacuum" });
    else if (analyze) plan.push({ table: t.table, action: "analyze" });
  }
  return plan;
}

/** The user tables' activity, from the statistics the database keeps (partitions as their own tables). */
export async function tableActivity(sql: Sql): Promise<TableActivity[]> {
  // A session sends its counters to the shared statistics at most once a second, when idle:
  // this one's pending counters first, so that a round sees its own process's latest writes.
  await sql.query(`SELECT pg_stat_force_next_flush()`);
  const rows = await sql.query<{ table: string; live: string | number; dead: string | number; modified: string | number; reltuples: number; bytes: string | number; width: string | number | null }>(
    `SELECT s.relname AS table, s.n_live_tup AS live, s.n_dead_tup AS dead, s.n_mod_since_analyze AS modified, c.reltuples::float8 AS reltuples,
            pg_relation_size(c.oid) AS bytes,
            (SELECT sum(p.avg_width) FROM pg_stats p WHERE p.schemaname = s.schemaname AND p.tablename = s.relname) AS width
       FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE s.schemaname = current_schema() AND c.relkind = 'r'
      ORDER BY s.relname`,
  );
  return rows.map((r) => ({
    table: r.table,
    live: Number(r.live),
    dead: Number(r.dead),
    modified: Number(r.modified),
    reltuples: Number(r.reltuples),
    bytes: Number(r.bytes),
    rowWidth: r.width === null ? null : Number(r.width),
  }));
}

/**
 * A round is skipped while more than this share of the process's descriptor limit is in use.
 * PGlite opens a relation's files as it touches them, and VACUUM creates a table's free space
 * and visibility map files: in a process out of descriptors (the size-10 simulator's 10,229
 * MQTT devices held two each in the console's process, before their bound) a failed open
 * aborted the embedded database once ("could not create file …_fsm: File exists", then
 * "Aborted()").
 */
export const MAX_DESCRIPTOR_SHARE = 0.8;

const STATEMENT: Record<MaintenanceAction["action"], string> = { compact: "VACUUM (FULL, ANALYZE)", vacuum: "VACUUM (ANALYZE)", analyze: "ANALYZE" };

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Runs one round: each planned table in turn, the event loop given back between them. */
export async function maintainTables(sql: Sql, opts: { firstRound: boolean }): Promise<(MaintenanceAction & { ms: number })[]> {
  const done: (MaintenanceAction & { ms: number })[] = [];
  const plan = maintenancePlan(await tableActivity(sql), opts);
  // Only ANALYZE reads this setting (each action analyzes), and only this job runs ANALYZE on the embedded database.
  if (plan.length) await sql.exec(`SET default_statistics_target = ${STATISTICS_TARGET}`);
  for (const step of plan) {
    const t0 = performance.now();
    // VACUUM cannot run in a transaction block: one statement per call.
    await sql.exec(`${STATEMENT[step.action]} ${ident(step.table)}`);
    const ms = performance.now() - t0;
    done.push({ ...step, ms });
    await giveWay(ms);
  }
  return done;
}

/**
 * Starts the embedded database's maintenance (nothing on PostgreSQL, whose autovacuum does it).
 * Logs a round's steps when together they held the thread for more than a second.
 */
export function startEmbeddedMaintenance(opts: {
  sql: Sql;
  every: (intervalMs: number, fn: () => Promise<unknown>, onError: (e: Error) => void) => () => Promise<void>;
  log: (m: string) => void;
  intervalMs?: number;
  firstRoundAfterMs?: number;
  descriptors?: () => { open: number; limit: number } | null;
}): () => Promise<void> {
  if (opts.sql.mode !== "embedded") return async () => {};
  let firstRound = true;
  let skipped = false;
  const from = Date.now() + (opts.firstRoundAfterMs ?? FIRST_ROUND_AFTER_MS);
  return opts.every(
    opts.intervalMs ?? MAINTENANCE_INTERVAL_MS,
    async () => {
      if (Date.now() < from) return;
      const fds = (opts.descriptors ?? fileDescriptors)();
      if (fds && fds.open > MAX_DESCRIPTOR_SHARE * fds.limit) {
        if (!skipped) opts.log(`database upkeep waits: ${fds.open} of ${fds.limit} file descriptors are open (it creates and opens tables' files)`);
        skipped = true;
        return;
      }
      skipped = false;
      const done = await maintainTables(opts.sql, { firstRound });
      firstRound = false;
      const total = done.reduce((s, d) => s + d.ms, 0);
      if (total > 1000 || done.some((d) => d.action === "compact")) opts.log(`database upkeep: ${done.map((d) => `${d.action} ${d.table} ${Math.round(d.ms)} ms`).join(", ")}`);
    },
    (e) => opts.log(`database upkeep failed: ${e.message}`),
  );
}
