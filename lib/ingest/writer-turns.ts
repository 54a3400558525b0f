import crypto from "node:crypto";
import type { Sql, SqlTx } from "../db/sql";
import { committedNextLeaf, LeafForecastMissed } from "../ledger-store/append-entries";

/**
 * Two writers on PostgreSQL, one after the other in commit order (issue 18, the storage floor).
 *
 * What one writer's time went to (scripts/bench/floor-phases.ts, README "Two writers"): about
 * three quarters of a group's transaction is the PostgreSQL backend parsing and inserting the
 * COPY of its reading rows (heap and four indexes), on one core, while the console's thread
 * waits; the leaf lock, the leaf rows and the COMMIT are the rest. The reading rows carry their
 * leaf index, and leaf indexes are taken from ledger_state's row lock, held until commit (the
 * log's integrator relies on it: once it holds that lock, every leaf below next_index is
 * committed, contiguous, in commit order). So a second transaction could not start its reading
 * COPY before the first committed.
 *
 * A turn lets it, by forecasting the leaf indexes: the transaction of turn k+1 COPYs its reading
 * rows with the indexes that follow turn k's (turn k's forecast plus the readings it decided to
 * store), while turn k still runs; then it waits for turn k's transaction to end (a PostgreSQL
 * advisory lock, so that the database sees this wait too, see below), and only then takes the
 * devices' row locks, checks again what it decided, and takes its leaf indexes under
 * ledger_state's lock exactly as one writer does (appendReadingLeaves with `at`). If anything
 * differs from the forecast (another appender took leaves in between: a grant, a device, an
 * access batch, another console process; a resend now a duplicate; turn k failed), the
 * transaction is rolled back whole, rows written early included, and stored again the one-writer
 * way. So what commits is exactly what one writer would commit, in the same order: leaves
 * contiguous, in commit order, nothing acknowledged before its commit, nothing left by an aborted
 * turn. The rows written early are never visible to anyone else before that commit.
 *
 * Waits and deadlocks: while turn k+1 holds rows written early it waits only for turn k, and
 * that wait is on turn k's advisory lock (taken at turn k's first statement, released at its
 * end), which PostgreSQL's deadlock detector sees: should turn k ever wait for something that
 * waits for turn k+1 (another process inserting a reading with the same primary key, leaf index
 * and observed_at, as a row written early), the server breaks the cycle and the failed turn is
 * stored again by the intake's retry. An in-process wait in its place would hang there.
 * At most two turns are in flight (the intake starts turn k+2 once turn k has ended).
 *
 * Opt-in (INGEST_WRITERS=2): on the project's 2-core machine two writers were not told apart
 * from one end to end, and the storage floor gained in four of five pairs within a run (median
 * +10 %) with a spread wider than the gain (README "Two writers"); re-measure on more cores.
 */
export class WriterTurns {
  private last: Turn | null = null;

  /** The next turn, after every turn made before it. */
  next(): Turn {
    const t = new Turn(this.last);
    this.last = t;
    return t;
  }
}

/** The first key of this module's advisory locks (two-int form): the console's space (lib/cluster/leader.ts) + 2. */
const TURN_SPACE = 0x63623137 + 2;

type Deferred<T> = { promise: Promise<T>; resolve(v: T): void };
const deferred = <T>(): Deferred<T> => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

export class Turn {
  /** This turn's advisory lock key (random: unique among the turns in flight on the server). */
  private readonly key = crypto.randomInt(1, 2 ** 31 - 1);
  /** Where this turn's leaves end if its forecast holds (first + readings it stores); null: not known. */
  private readonly decidedEnd = deferred<number | null>();
  /** Whether this turn's first transaction committed with its forecast held. */
  private readonly heldBy = deferred<boolean>();
  /** This turn's store has ended (its retries included). */
  private readonly endedBy = deferred<void>();
  private settled = false;
  private predecessor: Turn | null;

  constructor(predecessor: Turn | null) {
    // Only the one before matters (at most two in flight); the chain is not kept longer.
    this.predecessor = predecessor;
  }

  /**
   * Called first in the turn's transaction: takes its advisory lock (turn k+1 waits on it), and
   * returns the first leaf index to write rows for: the end of the turn before, if that turn's
   * forecast can hold, else (after it ended) the committed next_index.
   */
  async begin(tx: Pick<SqlTx, "query">): Promise<number> {
    await tx.query(`SELECT pg_advisory_xact_lock($1, $2)`, [TURN_SPACE, this.key]);
    const p = this.predecessor;
    if (p && !p.settled) {
      const end = await p.forecastEnd();
      if (end !== null) return end;
      await p.endedBy.promise;
    }
    return committedNextLeaf(tx);
  }

  /** The turn's decisions are made: it will store n readings from leaf first (if its forecast holds). */
  decided(first: number, n: number): void {
    this.decidedEnd.resolve(first + n);
  }

  /**
   * Waits until the turn before has ended (on the server: its advisory lock; then in process for
   * its outcome); returns whether its forecast held, i.e. whether this turn's can still hold.
   */
  async waitForPredecessor(tx: Pick<SqlTx, "query">): Promise<boolean> {
    const p = this.predecessor;
    if (!p || p.settled) return !p || (await p.heldBy.promise);
    await tx.query(`SELECT pg_advisory_lock_shared($1, $2), pg_advisory_unlock_shared($1, $2)`, [TURN_SPACE, p.key]);
    return p.heldBy.promise;
  }

  /** The turn's first transaction ended: committed with its forecast held (true), or not. */
  held(ok: boolean): void {
    this.decidedEnd.resolve(null);
    this.heldBy.resolve(ok);
  }

  /** The turn's store ended (retries included): the turn after it no longer waits for it. */
  ended(): void {
    this.held(false);
    this.settled = true;
    this.predecessor = null;
    this.endedBy.resolve();
  }

  /** Waits for the turn before to end (its store, retries included). */
  async predecessorEnded(): Promise<void> {
    await this.predecessor?.endedBy.promise;
  }

  /** Where this turn's leaves end, once it has decided, if that can hold (the turn before held); null otherwise. */
  private async forecastEnd(): Promise<number | null> {
    const p = this.predecessor;
    const end = await this.decidedEnd.promise;
    if (end === null) return null;
    return !p || (await p.heldBy.promise) ? end : null;
  }
}

/** What a turn wrote early does not match what it found under the locks: its transaction is rolled back and stored again. */
export class TurnMissed extends Error {}

/** A transaction in a turn, in two steps and a fallback (see runTurn). */
export type TurnSteps<E, T> = {
  /**
   * Before the locks: decides what to store, calls `decided(n)` with how many leaves it will
   * take (so the next turn can forecast its own), and writes rows for leaves from `first`.
   */
  early(tx: SqlTx, first: number, decided: (n: number) => void): Promise<E>;
  /** After the turn before has ended: under the locks, checks what `early` decided (TurnMissed if it differs) and takes the leaves with `at: first`. */
  locked(tx: SqlTx, early: E): Promise<T>;
  /** The one-writer way, in a transaction of its own, when the forecast did not hold. */
  alone(): Promise<T>;
};

/**
 * Runs one turn's transaction: `early`, the wait for the turn before, `locked`, commit. A forecast
 * that does not hold (TurnMissed, LeafForecastMissed, or the turn before did not hold its own)
 * rolls the transaction back; then, once the turn before has ended, `alone` stores the same
 * again. Any other error is thrown as it came. `held`: whether the forecast held.
 */
export async function runTurn<E, T>(sql: Sql, turn: Turn, steps: TurnSteps<E, T>): Promise<{ value: T; held: boolean }> {
  try {
    const value = await sql.transaction(async (tx) => {
      const first = await turn.begin(tx);
      const early = await steps.early(tx, first, (n) => turn.decided(first, n));
      if (!(await turn.waitForPredecessor(tx))) throw new TurnMissed("the turn before did not commit as forecast");
      return steps.locked(tx, early);
    });
    turn.held(true);
    return { value, held: true };
  } catch (e) {
    turn.held(false);
    if (!(e instanceof TurnMissed || e instanceof LeafForecastMissed)) throw e;
    await turn.predecessorEnded();
    return { value: await steps.alone(), held: false };
  }
}
