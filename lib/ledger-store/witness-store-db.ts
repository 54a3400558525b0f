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

/**
 * A witness's state kept in its own file (the authority: a database restored as a whole
 * cannot roll it back), mirrored into witness_state for the console and the audit. On first
 * use the file takes over the state the database held, so a witness keeps its place.
 */
export function fileFirstWitnessStore(sql: Sql, witness: string, file: WitnessStore): WitnessStore {
  const db = dbWitnessStore(sql, witness);
  const mirror = (origin: string, s: WitnessState) =>
    sql.query(
      `INSERT INTO witness_state (witness, origin, size, root_hash) VALUES ($1, $2, $3, decode($4, 'hex'))
       ON CONFLICT (witness) DO UPDATE SET origin = EXCLUDED.origin, size = EXCLUDED.size, root_hash = EXCLUDED.root_hash, updated_at = now()`,
      [witness, origin, s.size, s.root],
    );
  const seeded = async (origin: string) => {
    const cur = await file.get(origin);
    if (cur) return cur;
    const old = await db.get(origin);
    if (old) await file.compareAndSet(origin, null, old);
    return file.get(origin);
  };
  return {
    get: seeded,
    async compareAndSet(origin, expected, next) {
      await seeded(origin);
      if (!(await file.compareAndSet(origin, expected, next))) return false;
      await mirror(origin, next);
      return true;
    },
  };
}
