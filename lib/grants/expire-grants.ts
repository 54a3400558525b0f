import type { Sql } from "../db/sql";
import { GRANT_COLUMNS, type GrantRow } from "./grant-row";
import { recordGrantChange, SYSTEM_ACTOR } from "./record-grant-change";
import { announceGrantChange } from "./announce-grant-change";

/**
 * Ends every active or requested grant whose validity has passed: status "expired" and a
 * grant.v2 "expire" entry per grant, each in the transaction that changes it. Runs from a
 * periodic job; checkRead already refuses a grant past its end before this catches up.
 * Returns the ids it expired.
 */
export async function expireGrants(sql: Sql, now = new Date(), max = 500): Promise<string[]> {
  const due = await sql.query<{ id: string }>(
    `SELECT id FROM data_grant WHERE status IN ('active', 'requested') AND valid_until <= $1 ORDER BY valid_until LIMIT $2`,
    [now.toISOString(), max],
  );
  const done: string[] = [];
  for (const { id } of due) {
    const expired = await sql.transaction(async (tx) => {
      const [g] = await tx.query<GrantRow>(
        `UPDATE data_grant SET status = 'expired', ended_by = 'system', ended_at = valid_until, updated_at = $2
          WHERE id = $1 AND status IN ('active', 'requested') AND valid_until <= $2 RETURNING ${GRANT_COLUMNS}`,
        [id, now.toISOString()],
      );
      if (!g) return null; // changed by someone else meanwhile
      await recordGrantChange(tx, g, "expire", SYSTEM_ACTOR, now);
      return g;
    });
    if (expired) {
      done.push(id);
      await announceGrantChange(expired, "expire");
    }
  }
  return done;
}
