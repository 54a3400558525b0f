import type { Viewer } from "../access/viewer";
import { checkLedgerRead } from "../access/check-read";
import { getDb } from "../db/client";

export type EntrySearch = {
  kind?: string;
  dataset?: string;
  device?: string;
  from?: string;
  to?: string;
  /** Only leaves below this index (paging backwards). */
  before?: number;
  limit: number;
};

/**
 * Ledger entries, newest first, filtered by kind, dataset, device and time. Reading filters
 * (dataset, device) go through the reading table's indexes; other kinds through
 * ledger_leaf's (kind, leaf_index) index. The ledger is public, so any viewer may search it.
 */
export async function searchEntries(opts: { viewer: Viewer } & EntrySearch) {
  checkLedgerRead(opts.viewer);
  const { sql } = await getDb();
  const before = opts.before ?? Number.MAX_SAFE_INTEGER;
  type Row = { leaf_index: number; kind: string; ref_table: string | null; ref_id: string | null; created_at: Date; entry: string };
  let rows: Row[];
  if (opts.dataset || opts.device) {
    rows = await sql.query<Row>(
      `SELECT l.leaf_index, l.kind, l.ref_table, l.ref_id, l.created_at, convert_from(l.entry, 'UTF8') AS entry
         FROM reading r JOIN ledger_leaf l ON l.leaf_index = r.leaf_index
        WHERE ($1::text IS NULL OR r.dataset_id = $1) AND ($2::text IS NULL OR r.device_id = $2)
          AND ($3::timestamptz IS NULL OR r.observed_at >= $3) AND ($4::timestamptz IS NULL OR r.observed_at < $4)
          AND r.leaf_index < $5 AND ($6::text IS NULL OR $6 = 'reading.v1')
        ORDER BY r.leaf_index DESC LIMIT $7`,
      [opts.dataset ?? null, opts.device ?? null, opts.from ?? null, opts.to ?? null, before, opts.kind ?? null, opts.limit],
    );
  } else {
    // Entries other than readings are found through the partial (kind, leaf_index) index,
    // whose predicate the query repeats; readings and "any kind" walk the primary key.
    const kindFilter = !opts.kind ? "" : opts.kind === "reading.v1" ? `kind = 'reading.v1' AND` : `kind = $5 AND kind <> 'reading.v1' AND`;
    rows = await sql.query<Row>(
      `SELECT leaf_index, kind, ref_table, ref_id, created_at, convert_from(entry, 'UTF8') AS entry
         FROM ledger_leaf
        WHERE ${kindFilter} leaf_index < $1
          AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
        ORDER BY leaf_index DESC LIMIT $4`,
      [before, opts.from ?? null, opts.to ?? null, opts.limit, ...(opts.kind && opts.kind !== "reading.v1" ? [opts.kind] : [])],
    );
  }
  return {
    entries: rows.map((r) => ({
      leafIndex: Number(r.leaf_index),
      kind: r.kind,
      ref: r.ref_table ? `${r.ref_table}:${r.ref_id}` : null,
      sequencedAt: new Date(r.created_at).toISOString(),
      entry: JSON.parse(r.entry) as Record<string, unknown>,
    })),
  };
}
