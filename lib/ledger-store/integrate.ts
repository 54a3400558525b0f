import type { Sql } from "../db/sql";
import {
  appendLeafHashes,
  compactRangeFromJSON,
  compactRangeRoot,
  compactRangeToJSON,
} from "../ledger/compact-range";
import { HASH_SIZE } from "../ledger/merkle";
import { tileSlotForNode } from "../ledger/tiles";
import { TILE_HEIGHT, TILE_WIDTH } from "../ledger/tile-path";
import { nodeSha256 } from "./node-hasher";
import { giveWay } from "../db/give-way";
import { loadTiles, tileKey } from "./tile-store";

/** One integration step: the tree's new size and root, the leaves it added, and the log's next_index when it began. */
export type Integrated = { size: number; root: Uint8Array; added: number; sequenced: number };

/** The most leaves one step folds in (one transaction, one checkpoint). */
export const MAX_LEAVES_PER_STEP = 200_000;

/**
 * Integrates sequenced leaves into the tree: extends the stored compact range and the hash
 * tiles, and calls `publish` with the new size and root inside the same transaction (to
 * write the signed checkpoint). A crash at any point leaves the tree, tiles and checkpoints
 * as of the last committed round; sequenced leaves stay and are integrated next time.
 */
export async function integrate(
  sql: Sql,
  publish: Publish,
  maxLeaves: number = MAX_LEAVES_PER_STEP,
): Promise<Integrated | null> {
  // Taking the row lock waits for every appender that took indexes to commit: afterwards
  // all leaves below next_index are visible, with no gaps. The lock is released at once,
  // so appenders are not held up while the tree is extended.
  const [state] = await sql.transaction((tx) =>
    tx.query<{ next_index: number; integrated_size: number; compact_range: unknown }>(
      `SELECT next_index, integrated_size, compact_range FROM ledger_state WHERE id = 1 FOR UPDATE`,
    ),
  );
  const from = Number(state.integrated_size);
  const sequenced = Number(state.next_index);
  const to = Math.min(sequenced, from + Math.max(1, Math.min(maxLeaves, MAX_LEAVES_PER_STEP)));
  if (to <= from) return null;
  // The leaves below next_index are committed and never change: their hashes are read
  // before the round's transaction, in bulk, as one value (a row or a COPY line per leaf
  // cost the console more than hashing the tree at ingest rates).
  const [got] = await sql.query<{ n: number; hashes: Uint8Array | null }>(
    `SELECT count(*)::int8 AS n, string_agg(leaf_hash, ''::bytea ORDER BY leaf_index) AS hashes
       FROM ledger_leaf_all WHERE leaf_index >= $1 AND leaf_index < $2`,
    [from, to],
  );
  const all = got.hashes ?? new Uint8Array(0);
  // leaf_index is the primary key: to − from rows in [from, to) means none is missing.
  if (Number(got.n) !== to - from) throw new Error(`ledger_leaf has a gap between ${from} and ${to}: found ${got.n} leaves`);
  if (all.length !== HASH_SIZE * (to - from)) throw new Error(`ledger_leaf has a leaf hash that is not ${HASH_SIZE} bytes between ${from} and ${to}`);
  const leafHashes: Uint8Array[] = new Array(to - from);
  for (let i = 0; i < leafHashes.length; i++) leafHashes[i] = all.subarray(HASH_SIZE * i, HASH_SIZE * (i + 1));
  return sql.transaction(async (tx) => {
    const range = compactRangeFromJSON(
      Array.isArray(state.compact_range) ? { size: from, hashes: state.compact_range } : state.compact_range,
    );
    if (range.size !== from) throw new Error(`stored tree state has size ${range.size}, want ${from}`);

    // Partial tiles at the right edge of every level, to extend in place.
    const edge: { level: number; index: number }[] = [];
    for (let level = 0; Math.floor(from / 2 ** (TILE_HEIGHT * level)) > 0; level++) {
      const n = Math.floor(from / 2 ** (TILE_HEIGHT * level));
      if (n % TILE_WIDTH !== 0) edge.push({ level, index: Math.floor(n / TILE_WIDTH) });
    }
    const existing = await loadTiles(tx, edge);
    const touched = new Map<string, { level: number; index: number; hashes: Uint8Array[] }>();
    const tileFor = (level: number, index: number) => {
      const k = tileKey(level, index);
      let t = touched.get(k);
      if (!t) {
        const prev = existing.get(k);
        const hashes: Uint8Array[] = [];
        if (prev) for (let o = 0; o < prev.length; o += HASH_SIZE) hashes.push(prev.subarray(o, o + HASH_SIZE));
        t = { level, index, hashes };
        touched.set(k, t);
      }
      return t;
    };
    // The tile a level's last node went into (the next one at that level most often goes there too).
    const lastTile: { level: number; index: number; hashes: Uint8Array[] }[] = [];
    const next = appendLeafHashes(nodeSha256, range, leafHashes, (level, index, hash) => {
      const slot = tileSlotForNode(level, index);
      if (!slot) return;
      const had = lastTile[slot.tileLevel];
      const t = had && had.index === slot.tileIndex ? had : (lastTile[slot.tileLevel] = tileFor(slot.tileLevel, slot.tileIndex));
      if (t.hashes.length !== slot.position) {
        throw new Error(`tile ${slot.tileLevel}/${slot.tileIndex} has ${t.hashes.length} hashes, want ${slot.position}`);
      }
      t.hashes.push(hash);
    });
    const tiles = [...touched.values()];
    const CHUNK = 500;
    for (let i = 0; i < tiles.length; i += CHUNK) {
      const c = tiles.slice(i, i + CHUNK);
      await tx.query(
        `INSERT INTO ledger_tile (level, index, width, hashes)
         SELECT l, i, w, decode(h, 'hex') FROM unnest($1::int[], $2::int8[], $3::int[], $4::text[]) AS u(l, i, w, h)
         ON CONFLICT (level, index) DO UPDATE SET width = EXCLUDED.width, hashes = EXCLUDED.hashes
           WHERE ledger_tile.width < EXCLUDED.width`,
        [
          c.map((t) => t.level),
          c.map((t) => t.index),
          c.map((t) => t.hashes.length),
          c.map((t) => Buffer.concat(t.hashes).toString("hex")),
        ],
      );
    }
    const root = compactRangeRoot(nodeSha256, next);
    // Only if no other integrator moved the tree meanwhile (then this round rolls back).
    const moved = await tx.query(
      `UPDATE ledger_state SET integrated_size = $1, compact_range = $2::jsonb, updated_at = now()
        WHERE id = 1 AND integrated_size = $3 RETURNING id`,
      [next.size, JSON.stringify(compactRangeToJSON(next)), from],
    );
    if (moved.length !== 1) throw new Error(`another integrator extended the tree past ${from}; this round is rolled back`);
    await publish(tx, next.size, root);
    return { size: next.size, root, added: to - from, sequenced };
  });
}

type Publish = (tx: Parameters<Parameters<Sql["transaction"]>[0]>[0], size: number, root: Uint8Array) => Promise<void>;

/** Where a catch-up stands: leaves integrated so far of those sequenced when it began. */
export type CatchUpStep = { integrated: number; of: number; size: number };

/**
 * Integrates everything sequenced when it is called (next_index at its first step), in steps
 * of at most `stepLeaves` (sized to take about `stepMs` each when given): each step is
 * `integrate`'s own transaction with its checkpoint, so a kill between or inside steps leaves
 * the tree and checkpoints of the last committed step, and the next call goes on from there.
 * Between steps the event loop is given back (lib/db/give-way.ts), so requests are served
 * meanwhile. `onStep` hears the progress after each step;
 * `keepGoing` is asked before each further step (false: stop, as when the role is lost).
 * Returns the last step, or null when there was nothing to integrate.
 */
export async function integrateSequenced(
  sql: Sql,
  publish: Publish,
  opts: { stepLeaves?: number; stepMs?: number; onStep?: (p: CatchUpStep) => void; keepGoing?: () => boolean } = {},
): Promise<Integrated | null> {
  const most = opts.stepLeaves ?? INTEGRATE_STEP_LEAVES;
  // Steps are sized to take about stepMs of this thread (from the last step's time), between
  // MIN_STEP_LEAVES and stepLeaves: on PGlite a step of 20,000 leaves took 3 s at a loaded hour.
  // A round within one step (the steady state: one checkpoint a round) is not sized by time.
  const least = Math.min(MIN_STEP_LEAVES, most);
  let step = most;
  if (opts.stepMs !== undefined) {
    const [b] = await sql.query<{ behind: number }>(`SELECT (next_index - integrated_size)::int8 AS behind FROM ledger_state WHERE id = 1`);
    if (Number(b?.behind ?? 0) > most) step = Math.min(most, FIRST_STEP_LEAVES);
  }
  let last: Integrated | null = null;
  let target = 0;
  let start = 0;
  let integrated = 0;
  for (;;) {
    const t0 = performance.now();
    const done = await integrate(sql, publish, step);
    if (!done) return last;
    if (!last) {
      start = done.size - done.added;
      target = done.sequenced;
    }
    last = done;
    integrated += done.added;
    opts.onStep?.({ integrated, of: target - start, size: done.size });
    if (done.size >= target || (opts.keepGoing && !opts.keepGoing())) return last;
    const spent = performance.now() - t0;
    if (opts.stepMs !== undefined && target - start > most) step = Math.max(least, Math.min(most, Math.floor((done.added * opts.stepMs) / Math.max(1, spent))));
    await giveWay(spent);
  }
}

/**
 * The most leaves one step of a publishing round integrates (a round within it is one step and
 * one checkpoint). A backlog's steps are sized by time (INTEGRATE_STEP_MS): reading the
 * leaves' hashes, hashing the tree and writing tiles took 3 s for 20,000 leaves on PGlite at a
 * loaded hour, with the map's rollup folding beside it.
 */
export const INTEGRATE_STEP_LEAVES = 20_000;
/** The fewest leaves a step sized by time integrates, and the first step of a backlog. */
const MIN_STEP_LEAVES = 2_000;
const FIRST_STEP_LEAVES = 5_000;
/** The thread time a publishing round's step aims at. */
export const INTEGRATE_STEP_MS = 250;
