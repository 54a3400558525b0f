import type { Sql } from "../db/sql";
import type { WitnessState, WitnessStore } from "../ledger/witness";

/**
 * An in-process witness's record of the last checkpoint it cosigned, one row per witness
 * in witness_state. compareAndSet is a single conditional statement, so it is atomic.
 */
export function dbWitnessStore(sql: Sql, witness: string): WitnessStore {
  return {
    async get(origin) {
      const rows = await sql.query<{ size: number; root: string }>(
        `SELECT size, encode(root_hash, 'hex') AS root FROM witness_state WHERE witness = $1 AND origin = $2`,
        [witness, origin],
      );
      return rows.length ? { size: Number(rows[0].size), root: rows[0].root } : null;
    },
    async compareAndSet(origin, expected: WitnessState | null, next: WitnessState) {
      const rows = expected
        ? await sql.query(
            `UPDATE witness_state SET size = $3, root_hash = decode($4, 'hex'), updated_at = now()
              WHERE witness = $1 AND origin = $2 AND size = $5 AND root_hash = decode($6, 'hex') RETURNING witness`,
            [witness, origin, next.size, next.root, expected.size, expected.root],
          )
        : await sql.query(
            `INSERT INTO witness_state (witness, origin, size, root_hash) VALUES ($1, $2, $3, decode($4, 'hex'))
             ON CONFLICT (witness) DO NOTHING RETURNING witness`,
            [witness, origin, next.size, next.root],
          );
      return rows.length === 1;
    },
  };
}
