import { leafRef, readLeafEntriesAt } from "./leaf-entries";
import type { Viewer } from "../access/viewer";
import { checkLedgerRead, checkRead, type ReadBasis } from "../access/check-read";
import { readProvenanceReading } from "../access/scoped/provenance-reading";
import type { Sql } from "../db/sql";
import { AppError } from "../errors";
import { getDb } from "../db/client";
import { DATASETS } from "../city";
import { toHex } from "../ledger/encoding";
import { isRestrictedDataset } from "./seal";
import { openCommitment } from "../ledger/commitment";
import { decodeEntry, type LedgerEntry } from "../ledger/entries";
import { nodeSha256 } from "./node-hasher";

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
 * Datasets whose readings a viewer may find by dataset, device and observed time: the
 * public and internal ones, the viewer's department's own, every one for auditors; null
 * for "all". Restricted readings are commitments on the public log: a search by their
 * dataset, device or observed time would tell a stranger what the commitments hide.
 */
function searchableDatasets(viewer: Viewer): string[] | null {
  if (viewer.kind === "user" && viewer.role === "auditor") return null;
  return DATASETS.filter((d) => !isRestrictedDataset(d.id) || (viewer.kind === "user" && viewer.departmentId === d.departmentId)).map((d) => d.id);
}

/** True if the viewer may see the clear entry a commitment stands for: auditors, the dataset's owner, and a grant's parties. */
function mayOpen(viewer: Viewer, inner: LedgerEntry): boolean {
  if (viewer.kind !== "user") return false;
  if (viewer.role === "auditor") return true;
  if (inner.kind === "grant.v2" && (inner.from === viewer.departmentId || inner.to === viewer.departmentId)) return true;
  const dataset = "dataset" in inner ? inner.dataset : null;
  return DATASETS.some((d) => d.id === dataset && d.departmentId === viewer.departmentId);
}

/**
 * True if a reading a commitment stands for is one the viewer's department may read raw under
 * a grant (inside its data window and area, as the scoped read in lib/access tests it): that
 * grant shows them the reading's device and exact time anyway. `bases` keeps each dataset's
 * access check for the page.
 */
async function grantCovers(sql: Sql, viewer: Viewer, leaf: number, inner: LedgerEntry, bases: Map<string, ReadBasis | null>): Promise<boolean> {
  if (viewer.kind !== "user" || inner.kind !== "reading.v1") return false;
  if (!bases.has(inner.dataset)) {
    let basis: ReadBasis | null = null;
    try {
      basis = await checkRead(sql, viewer, inner.dataset);
    } catch (e) {
      if (!(e instanceof AppError && (e.code === "forbidden" || e.code === "unauthenticated"))) throw e;
    }
    bases.set(inner.dataset, basis && basis.basis === "grant" && basis.scope === "raw" ? basis : null);
  }
  const basis = bases.get(inner.dataset);
  if (!basis) return false;
  try {
    await readProvenanceReading(sql, basis, leaf);
    return true;
  } catch (e) {
    if (e instanceof AppError && (e.code === "forbidden" || e.code === "not_found")) return false;
    throw e;
  }
}

/**
 * Ledger entries, newest first, filtered by kind, dataset, device and time. Reading filters
 * (dataset, device) go through the reading table's indexes, over the datasets the viewer may
 * search (searchableDatasets); other kinds through ledger_leaf's (kind, leaf_index) index.
 * The ledger is public, so any viewer may search it, and sees every entry as the public log
 * holds it: a commitment.v1 entry shows its commitment only, with no ref, unless the viewer
 * may open it (mayOpen), who also gets `opened` (the salt and the entry committed to).
 */
/** A reading's leaf kind: its ledger_leaf row's, or the one folded into its row (as the view ledger_leaf_all says). */
const FOLDED_KIND = `coalesce(l.kind, CASE WHEN r.sealed_leaf_hash IS NOT NULL THEN 'commitment.v1' ELSE 'reading.v1' END)`;

export async function searchEntries(opts: { viewer: Viewer } & EntrySearch) {
  checkLedgerRead(opts.viewer);
  const { sql } = await getDb();
  const before = opts.before ?? Number.MAX_SAFE_INTEGER;
  type Row = { leaf_index: number; kind: string; ref_table: string | null; ref_id: string | null; created_at: Date; entry: string | null };
  let rows: Row[];
  if (opts.dataset || opts.device) {
    rows = await sql.query<Row>(
      // A reading's leaf is folded into its row (leaf_hash set; a sealed reading's commitment
      // leaf, sealed_leaf_hash) or is a ledger_leaf row (stored so before).
      `SELECT r.leaf_index, ${FOLDED_KIND} AS kind, l.ref_table, l.ref_id, coalesce(l.created_at, r.received_at) AS created_at, convert_from(l.entry, 'UTF8') AS entry
         FROM reading r LEFT JOIN ledger_leaf l ON l.leaf_index = r.leaf_index AND r.leaf_hash IS NULL AND r.sealed_leaf_hash IS NULL
        WHERE ($1::text IS NULL OR r.dataset_id = $1) AND ($2::text IS NULL OR r.device_id = $2)
          AND ($3::timestamptz IS NULL OR r.observed_at >= $3) AND ($4::timestamptz IS NULL OR r.observed_at < $4)
          AND r.leaf_index < $5 AND (r.leaf_hash IS NOT NULL OR r.sealed_leaf_hash IS NOT NULL OR l.leaf_index IS NOT NULL) AND ($6::text IS NULL OR $6 = ${FOLDED_KIND})
          AND ($8::text[] IS NULL OR r.dataset_id = ANY($8::text[]))
        ORDER BY r.leaf_index DESC LIMIT $7`,
      [opts.dataset ?? null, opts.device ?? null, opts.from ?? null, opts.to ?? null, before, opts.kind ?? null, opts.limit, searchableDatasets(opts.viewer)],
    );
  } else {
    // Entries other than readings and commitments are found through the partial (kind,
    // leaf_index) index, whose predicate the query repeats; readings, commitments and "any
    // kind" walk the primary key.
    const walked = opts.kind === "reading.v1" || opts.kind === "commitment.v1";
    const kindFilter = !opts.kind ? "" : walked ? `kind = '${opts.kind}' AND` : `kind = $5 AND kind <> 'reading.v1' AND kind <> 'commitment.v1' AND`;
    rows = await sql.query<Row>(
      `SELECT leaf_index, kind, ref_table, ref_id, created_at, convert_from(entry, 'UTF8') AS entry
         FROM ${opts.kind && !walked ? "ledger_leaf" : "ledger_leaf_all"}
        WHERE ${kindFilter} leaf_index < $1
          AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
        ORDER BY leaf_index DESC LIMIT $4`,
      [before, opts.from ?? null, opts.to ?? null, opts.limit, ...(opts.kind && !walked ? [opts.kind] : [])],
    );
  }
  // Readings' entries (and sealed readings' inner entries) are rebuilt from their rows.
  const derived = await readLeafEntriesAt(sql, rows.filter((r) => r.entry === null || (r.kind === "commitment.v1" && r.ref_table === null)).map((r) => Number(r.leaf_index)));
  const utf8 = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString("utf8") : null);
  for (const r of rows) r.entry ??= utf8(derived.get(Number(r.leaf_index))?.entry) ?? "null";
  // The openings of the commitments on this page, for a signed-in viewer who may open some.
  const sealed = rows.filter((r) => r.kind === "commitment.v1").map((r) => Number(r.leaf_index));
  const openings = new Map<number, { salt: string; entry: Record<string, unknown> }>();
  if (sealed.length && opts.viewer.kind === "user") {
    // A sealed reading's opening came with its rebuilt entry (its salt is its row's, seal_salt);
    // the others' (sealed device and grant entries) are ledger_commitment rows.
    const found: { leaf_index: number; salt: Uint8Array; entry: Uint8Array | null }[] = [];
    for (const i of sealed) {
      const d = derived.get(i);
      if (d?.salt) found.push({ leaf_index: i, salt: d.salt, entry: d.inner });
    }
    const rest = sealed.filter((i) => !derived.get(i)?.salt);
    if (rest.length) found.push(...(await sql.query<{ leaf_index: number; salt: Uint8Array; entry: Uint8Array | null }>(`SELECT leaf_index, salt, entry FROM ledger_commitment WHERE leaf_index = ANY($1::int8[])`, [rest])));
    const leaves = new Map(rows.map((r) => [Number(r.leaf_index), r]));
    const bases = new Map<string, ReadBasis | null>();
    for (const f of found) {
      const index = Number(f.leaf_index);
      try {
        const innerBytes = f.entry ? new Uint8Array(f.entry) : derived.get(index)?.inner;
        if (!innerBytes) continue;
        const inner = openCommitment(nodeSha256, decodeEntry(new TextEncoder().encode(leaves.get(index)!.entry!)), new Uint8Array(f.salt), innerBytes);
        if (mayOpen(opts.viewer, inner) || (await grantCovers(sql, opts.viewer, index, inner, bases)))
          openings.set(index, { salt: toHex(new Uint8Array(f.salt)), entry: inner as unknown as Record<string, unknown> });
      } catch (e) {
        // An opening that does not open is the audit's to name; the entry is shown as the log holds it.
        if (e instanceof AppError) throw e;
      }
    }
  }
  return {
    entries: rows.map((r) => {
      const leafIndex = Number(r.leaf_index);
      const opened = openings.get(leafIndex);
      const hidden = r.kind === "commitment.v1" && !opened;
      return {
        leafIndex,
        kind: r.kind,
        ref: hidden ? null : leafRef(r.ref_table, r.ref_id, r.kind === "commitment.v1" ? (derived.get(leafIndex)?.inner ?? null) : (derived.get(leafIndex)?.entry ?? null)),
        sequencedAt: new Date(r.created_at).toISOString(),
        entry: JSON.parse(r.entry!) as Record<string, unknown>,
        ...(opened ? { opened } : {}),
      };
    }),
  };
}
