/**
 * What the log's publisher is catching up on in this process (lib/ledger-store/log-service.ts):
 * a round whose backlog takes more than one step shows here, step by step, until it ends.
 * Kept on globalThis, as the simulator's backfill progress is, so the route handlers Next.js
 * bundles read what the runtime's publisher wrote (one process, two module graphs).
 */
export type LedgerCatchUp = {
  state: "idle" | "integrating";
  /** Leaves integrated so far in this round. */
  integrated: number;
  /** Leaves the round set out to integrate (sequenced and not in the tree when it began). */
  of: number;
  /** The tree's size after the last committed step. */
  size: number;
  since: string | null;
};

const KEY = Symbol.for("city-brain.ledger-catch-up");

export function ledgerCatchUp(): LedgerCatchUp {
  const g = globalThis as { [KEY]?: LedgerCatchUp };
  return (g[KEY] ??= { state: "idle", integrated: 0, of: 0, size: 0, since: null });
}

export function setLedgerCatchUp(p: LedgerCatchUp): void {
  (globalThis as { [KEY]?: LedgerCatchUp })[KEY] = p;
}
