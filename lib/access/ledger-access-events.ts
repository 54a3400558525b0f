import crypto from "node:crypto";
import type { Sql } from "../db/sql";
import { appendEntries } from "../ledger-store/append-entries";
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { encodeEntry } from "../ledger/entries";

type EventRow = {
  id: number;
  at: Date;
  user_id: string | null;
  department_id: string | null;
  role: string | null;
  dataset_id: string;
  owner_department_id: string;
  basis: string;
  grant_id: string | null;
  scope: string;
  action: string;
  record_count: number | null;
  range_from: Date | null;
  range_until: Date | null;
};

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

/** An access event as it is committed to: the canonical JSON list of these is hashed into access.v1. */
export function accessEventJson(e: EventRow) {
  return {
    id: Number(e.id),
    at: iso(e.at),
    user: e.user_id,
    department: e.department_id,
    role: e.role,
    dataset: e.dataset_id,
    owner: e.owner_department_id,
    basis: e.basis,
    grant: e.grant_id,
    scope: e.scope,
    action: e.action,
    count: e.record_count,
    from: iso(e.range_from),
    until: iso(e.range_until),
  };
}

/** SHA-256 (hex) of the RFC 8785 canonical JSON of a batch's events, in id order. */
export function eventsHash(events: EventRow[]): string {
  return crypto.hash("sha256", canonicalJsonBytes(events.map(accessEventJson)), "hex");
}

/**
 * Ledgers the access events not yet ledgered, oldest first, in batches of at most `max`:
 * one access.v1 entry per batch committing to the hash of its events, the batch row, and
 * the events marked with their batch, in one transaction. Concurrent runs (several
 * processes) skip each other's rows. Returns how many events it ledgered.
 */
export async function ledgerAccessEvents(sql: Sql, max = 5000): Promise<number> {
  return sql.transaction(async (tx) => {
    const rows = await tx.query<EventRow>(
      `SELECT id, at, user_id, department_id, role, dataset_id, owner_department_id, basis, grant_id, scope, action, record_count, range_from, range_until
         FROM access_event WHERE batch_id IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [max],
    );
    if (rows.length === 0) return 0;
    const id = `acc_${Number(rows[0].id)}_${Number(rows[rows.length - 1].id)}`;
    const times = rows.map((r) => new Date(r.at).getTime());
    const from = new Date(Math.min(...times)).toISOString();
    const to = new Date(Math.max(...times)).toISOString();
    const hash = eventsHash(rows);
    const bytes = encodeEntry({ kind: "access.v1", batch: id, events: hash, count: rows.length, from, to });
    const leaf = await appendEntries(tx, [{ kind: "access.v1", bytes, refTable: "access_batch", refId: id }]);
    await tx.query(`INSERT INTO access_batch (id, count, first_at, last_at, events_hash, leaf_index) VALUES ($1, $2, $3, $4, $5, $6)`, [id, rows.length, from, to, hash, leaf]);
    await tx.query(`UPDATE access_event SET batch_id = $1 WHERE id = ANY($2::int8[])`, [id, rows.map((r) => Number(r.id))]);
    return rows.length;
  });
}
