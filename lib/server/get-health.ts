import { getDb } from "../db/client";
import { backfillProgress } from "../sim/backfill";
import { ledgerCatchUp } from "../ledger-store/catch-up-progress";

const started = Date.now();

export async function getHealth() {
  const db = await getDb();
  // What the background jobs are catching up on: leaves the log has yet to integrate, and
  // readings the map's rollup has yet to fold (each read off one row or one index end).
  const [c] = await db.sql.query<{ ledger: number; map: number | null }>(
    `SELECT (SELECT next_index - integrated_size FROM ledger_state WHERE id = 1)::int8 AS ledger,
            ((SELECT max(leaf_index) FROM reading) - (SELECT last_leaf FROM map_rollup_state WHERE id = 1))::int8 AS map`,
  );
  // ledger: this process's publisher integrating a backlog in steps ("integrating N of M").
  const catchUp = { ledgerLeavesToIntegrate: Number(c?.ledger ?? 0), mapLeavesToFold: Math.max(0, Number(c?.map ?? 0)), ledger: ledgerCatchUp() };
  return { status: "ok" as const, database: db.mode, uptimeSeconds: Math.round((Date.now() - started) / 1000), backfill: backfillProgress(), catchUp };
}
