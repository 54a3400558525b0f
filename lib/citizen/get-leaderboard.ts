import { getDb } from "../db/client";
import { UNSIGNED_REPORTER } from "./report-content";
import { ABUSIVE_STATUSES } from "./key-flags";

export type LeaderboardRow = { rank: number; reporter: string; points: number; confirmed: number; duplicates: number };

/**
 * The public leaderboard: reporter keys by the points their credit.v1 entries add up to,
 * highest first (ties: the key that reached it first). Only the pseudonym (`rk-` and 32 hex
 * digits of the key's hash) is shown: no report, place, text or contact. Keys a department
 * marked abusive are left off while the mark stands (lib/citizen/key-flags.ts).
 */
export async function getLeaderboard(opts: { limit?: number } = {}): Promise<{ rows: LeaderboardRow[] }> {
  const limit = Math.max(1, Math.min(100, opts.limit ?? 50));
  const { sql } = await getDb();
  const rows = await sql.query<{ reporter: string; points: number; confirmed: number; duplicates: number }>(
    `SELECT reporter, sum(amount)::int AS points,
            (count(*) FILTER (WHERE reason = 'confirmed') - count(*) FILTER (WHERE reason = 'revoked'))::int AS confirmed,
            count(*) FILTER (WHERE reason = 'duplicate')::int AS duplicates
       FROM citizen_credit WHERE reporter <> $1
        AND reporter NOT IN (SELECT reporter FROM citizen_key_flag WHERE status = ANY($3::text[]))
      GROUP BY reporter HAVING sum(amount) > 0
      ORDER BY points DESC, max(leaf_index) ASC LIMIT $2`,
    [UNSIGNED_REPORTER, limit, ABUSIVE_STATUSES],
  );
  return { rows: rows.map((r, i) => ({ rank: i + 1, reporter: r.reporter, points: Number(r.points), confirmed: Number(r.confirmed), duplicates: Number(r.duplicates) })) };
}
