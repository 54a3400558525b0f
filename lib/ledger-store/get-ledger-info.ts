import type { Viewer } from "../access/viewer";
import { checkLedgerRead } from "../access/check-read";
import { getDb } from "../db/client";
import { getLogInfo } from "./log-info";
import { latestCheckpointNote } from "./serve-log";

/** The log's public facts and its latest (and latest quorum-cosigned) checkpoint. */
export async function getLedgerInfo(opts: { viewer: Viewer }) {
  checkLedgerRead(opts.viewer);
  const { sql } = await getDb();
  const info = getLogInfo();
  const [state] = await sql.query<{ next_index: number; integrated_size: number }>(
    `SELECT next_index, integrated_size FROM ledger_state WHERE id = 1`,
  );
  const latest = await latestCheckpointNote(sql);
  const final = await sql.query<{ size: number; n: number }>(
    `SELECT checkpoint_size AS size, count(*)::int AS n FROM cosignature
      GROUP BY checkpoint_size HAVING count(*) >= $1 ORDER BY checkpoint_size DESC LIMIT 1`,
    [info.quorum],
  );
  return {
    ...info,
    sequenced: Number(state.next_index),
    integrated: Number(state.integrated_size),
    latest,
    latestFinal: final.length ? { size: Number(final[0].size), cosignatures: final[0].n } : null,
  };
}
