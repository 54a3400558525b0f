import type { Viewer } from "../access/viewer";
import { checkLedgerRead } from "../access/check-read";
import { getDb } from "../db/client";
import { getLogInfo } from "./log-info";

/** Checkpoints newest first, each with its cosignature count and finality (quorum reached). */
export async function listCheckpoints(opts: { viewer: Viewer; limit: number; before?: number }) {
  checkLedgerRead(opts.viewer);
  const { sql } = await getDb();
  const { quorum } = getLogInfo();
  const rows = await sql.query<{ size: number; root: string; created_at: Date; n: number }>(
    `SELECT c.size, encode(c.root_hash, 'hex') AS root, c.created_at, count(s.witness)::int AS n
       FROM checkpoint c LEFT JOIN cosignature s ON s.checkpoint_size = c.size
      WHERE ($1::int8 IS NULL OR c.size < $1)
      GROUP BY c.size ORDER BY c.size DESC LIMIT $2`,
    [opts.before ?? null, opts.limit],
  );
  return {
    checkpoints: rows.map((r) => ({ size: Number(r.size), root: r.root, createdAt: new Date(r.created_at).toISOString(), cosignatures: r.n, final: r.n >= quorum })),
  };
}
