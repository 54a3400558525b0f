import { copyByteaField, copyTextField, type SqlTx } from "../db/sql";
import { copyRows, type ByteWriter } from "../db/copy-rows";
import { leafHash } from "../ledger/merkle";
import { nodeSha256 } from "./node-hasher";
import { isRestrictedDataset, sealLeaf } from "./seal";
import { toHex as hex } from "../ledger/encoding";

export type NewEntry = {
  /** Versioned entry kind, e.g. reading.v1 */
  kind: string;
  /** Canonical JSON (RFC 8785) bytes of the entry */
  bytes: Uint8Array;
  /** Domain row the entry records, for the audit to find it */
  refTable: string;
  refId: string;
  /**
   * The entry is made of the row it records (a reading: lib/ledger-store/leaf-entries.ts
   * rebuilds it), so the leaf stores no copy of it: entry, ref_table and ref_id are NULL (for
   * a sealed reading, the opening's inner entry is NULL and the commitment entry is kept).
   */
  derived?: boolean;
  /**
   * The leaf is folded into the row it records (a public reading's reading.v1 leaf: its leaf
   * hash and time are columns of its reading row, written by the caller in the same
   * transaction), so it has no ledger_leaf row; the view ledger_leaf_all reads both.
   */
  inRow?: boolean;
  /**
   * The leaf row's fields after leaf_index as COPY text in UTF-8 (see leafCopyText), when the
   * caller computed them ahead of the transaction (they do not depend on the leaf index).
   */
  copy?: Uint8Array;
  /**
   * For a commitment.v1 entry (seal.ts): its opening, the salt and the inner entry's bytes,
   * written to ledger_commitment in the same transaction; not for a leaf folded into its row
   * (inRow: a sealed reading, whose salt is its reading row's seal_salt, written by the caller).
   */
  opening?: { salt: Uint8Array; entry: Uint8Array; /** COPY text of salt and entry (seal.ts makes it ahead of the transaction). */ copy?: Uint8Array };
};

/** A leaf row's COPY text after its leaf index: kind, entry, leaf hash, ref table, ref id ("" for a leaf folded into its row: none). */
export function leafCopyText(e: Pick<NewEntry, "kind" | "bytes" | "refTable" | "refId" | "derived" | "opening" | "inRow">): string {
  if (e.inRow) return "";
  const hash = copyByteaField(leafHash(nodeSha256, e.bytes));
  if (e.derived && !e.opening) return `${copyTextField(e.kind)}\t\\N\t${hash}\t\\N\t\\N`;
  if (e.derived) return `${copyTextField(e.kind)}\t${copyByteaField(e.bytes)}\t${hash}\t\\N\t\\N`;
  return `${copyTextField(e.kind)}\t${copyByteaField(e.bytes)}\t${hash}\t${copyTextField(e.refTable)}\t${copyTextField(e.refId)}`;
}


/** Whether an entry's opening is a ledger_commitment row: a commitment's, unless it is folded into its row (a sealed reading's salt is the row's seal_salt). */
const hasOpeningRow = (e: NewEntry) => !!e.opening && !e.inRow;

/** From this many entries on, the leaves are written with COPY instead of a multi-row insert. */
export const COPY_FROM = 64;
const LEAF_COLUMNS = ["leaf_index", "kind", "entry", "leaf_hash", "ref_table", "ref_id"] as const;

/**
 * Sequences entries inside the caller's transaction: takes the next free leaf indexes from
 * the row-locked ledger_state and writes the leaves. The indexes are contiguous and in
 * commit order, because every appender holds that row's lock until it commits; once the
 * caller commits, the entries are durable and the integrator will put them in the tree.
 * Returns the first leaf index (the i-th entry gets first + i).
 * A large group (ingest commits thousands) is bulk-loaded with COPY.
 */
export async function appendEntries(tx: SqlTx, given: readonly NewEntry[], opts: AppendAt = {}): Promise<number> {
  if (given.length === 0) throw new Error("appendEntries: no entries");
  const entries = given.map(sealedByPolicy);
  const start = await reserveLeaves(tx, entries.length, opts.at);
  if (entries.length >= COPY_FROM) {
    await copyLeafRows(tx, start, {
      n: entries.length,
      bytesHint: 0,
      hasLeaf: (i) => !entries[i].inRow,
      leaf: (i, w) => w.bytes(entries[i].copy ?? Buffer.from(leafCopyText(entries[i]))),
      hasOpening: (i) => hasOpeningRow(entries[i]),
      opening: (i, w) => w.bytes(entries[i].opening!.copy ?? Buffer.from(openingCopyText(entries[i]))),
    });
    return start;
  }
  const rowed = entries.flatMap((e, i) => (e.inRow ? [] : [{ e, at: start + i }]));
  if (rowed.length)
    await tx.query(
      `INSERT INTO ledger_leaf (leaf_index, kind, entry, leaf_hash, ref_table, ref_id)
       SELECT i, k, decode(e, 'hex'), decode(h, 'hex'), t, r
         FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(i, k, e, h, t, r)`,
      [
        rowed.map((r) => r.at),
        rowed.map(({ e }) => e.kind),
        rowed.map(({ e }) => (e.derived && !e.opening ? null : hex(e.bytes))),
        rowed.map(({ e }) => hex(leafHash(nodeSha256, e.bytes))),
        rowed.map(({ e }) => (e.derived ? null : e.refTable)),
        rowed.map(({ e }) => (e.derived ? null : e.refId)),
      ],
    );
  await appendOpenings(tx, entries, start);
  return start;
}

/**
 * `at`: the first leaf index the caller expects (it wrote rows that carry these indexes earlier
 * in the transaction, before it held ledger_state's lock: lib/ingest/writer-turns.ts). The
 * indexes are still taken here, under the lock and held until commit, so leaves stay contiguous
 * and in commit order; if they are not the expected ones, LeafForecastMissed is thrown and the
 * caller must roll the transaction back (its early rows carry wrong indexes).
 */
export type AppendAt = { at?: number };

/** The leaf indexes taken were not those a caller wrote rows for ahead of the lock (AppendAt): its transaction must be rolled back. */
export class LeafForecastMissed extends Error {
  constructor(
    readonly want: number,
    readonly got: number,
  ) {
    super(`leaf forecast missed: rows were written for leaf ${want}, the log's next free leaf is ${got}`);
  }
}

/** Takes the next n free leaf indexes from the row-locked ledger_state; returns the first (which must be `at` when given). */
async function reserveLeaves(tx: SqlTx, n: number, at?: number): Promise<number> {
  const [{ first }] = await tx.query<{ first: number }>(
    `UPDATE ledger_state SET next_index = next_index + $1 WHERE id = 1 RETURNING (next_index - $1)::int8 AS first`,
    [n],
  );
  if (at !== undefined && Number(first) !== at) throw new LeafForecastMissed(at, Number(first));
  return Number(first);
}

/**
 * The next free leaf index as last committed (no lock: appenders in flight are not seen), for
 * a caller that forecasts its leaf indexes (AppendAt).
 */
export async function committedNextLeaf(tx: Pick<SqlTx, "query">): Promise<number> {
  const [s] = await tx.query<{ next_index: number }>(`SELECT next_index FROM ledger_state WHERE id = 1`);
  return Number(s.next_index);
}

/**
 * Leaves whose rows' COPY text was written ahead of the transaction, sealed as policy wants
 * (the ingest's readings, written on its check workers: lib/ingest/batch-transfer.ts): `leaf`
 * writes leaf i's row after its leaf index (leafCopyText), `opening` its ledger_commitment row
 * after the leaf index (openingCopyText) when `hasOpening` (never for a reading: a sealed
 * reading's salt is in its row, seal_salt); a leaf folded into its row
 * (NewEntry.inRow) has no ledger_leaf row: `hasLeaf` false. `bytesHint`: about how many bytes
 * the leaf rows take (0: not known).
 */
export type LeafRows = {
  n: number;
  bytesHint: number;
  hasLeaf(i: number): boolean;
  leaf(i: number, w: ByteWriter): void;
  hasOpening(i: number): boolean;
  opening(i: number, w: ByteWriter): void;
};

/** As appendEntries, for leaves whose rows are written already: COPY straight from them, with no entry objects. */
export async function appendLeafRows(tx: SqlTx, rows: LeafRows, opts: AppendAt = {}): Promise<number> {
  if (rows.n === 0) throw new Error("appendLeafRows: no entries");
  const start = await reserveLeaves(tx, rows.n, opts.at);
  await copyLeafRows(tx, start, rows);
  return start;
}

async function copyLeafRows(tx: SqlTx, start: number, rows: LeafRows): Promise<void> {
  const hint = rows.bytesHint || 256 * rows.n;
  const kept: number[] = [];
  const at: number[] = [];
  for (let i = 0; i < rows.n; i++) {
    if (rows.hasLeaf(i)) kept.push(i);
    if (rows.hasOpening(i)) at.push(i);
  }
  const leafRow = (j: number, w: ByteWriter) => {
    w.uint(start + kept[j]);
    w.ascii("\t");
    rows.leaf(kept[j], w);
  };
  if (kept.length) await tx.copyIn("ledger_leaf", LEAF_COLUMNS, copyRows(kept.length, leafRow, hint + 12 * kept.length));
  if (at.length === 0) return;
  const openingRow = (j: number, w: ByteWriter) => {
    w.uint(start + at[j]);
    w.ascii("\t");
    rows.opening(at[j], w);
  };
  await tx.copyIn("ledger_commitment", ["leaf_index", "salt", "entry"], copyRows(at.length, openingRow, 96 * at.length));
}

/**
 * The one place that guarantees the public log holds restricted terms and identifiers only
 * as salted commitments (seal.ts): a device.v1 entry of a restricted dataset's device, and a
 * grant.v2 entry of a restricted dataset or made by a rule, is sealed here whoever appends
 * it. Readings are sealed by the ingest before (lib/ingest/store-readings.ts), off the
 * storage transaction; every other kind is appended as given.
 */
function sealedByPolicy(e: NewEntry): NewEntry {
  if (e.opening || (e.kind !== "device.v1" && e.kind !== "grant.v2")) return e;
  const v = JSON.parse(Buffer.from(e.bytes.buffer, e.bytes.byteOffset, e.bytes.byteLength).toString("utf8")) as { dataset?: string; automatic?: boolean; rule?: string };
  const restricted = typeof v.dataset !== "string" || isRestrictedDataset(v.dataset) || (e.kind === "grant.v2" && (!!v.automatic || !!v.rule));
  return restricted ? sealLeaf(e) : e;
}

/** A ledger_commitment row's COPY text after its leaf index: salt, and the inner entry (NULL when derived from its row). */
export function openingCopyText(e: Pick<NewEntry, "derived" | "opening">): string {
  return `${copyByteaField(e.opening!.salt)}\t${e.derived ? "\\N" : copyByteaField(e.opening!.entry)}`;
}

/** Writes the openings of the commitment entries among `entries` (the i-th at leaf start + i); for fewer than COPY_FROM entries (more go by copyLeafRows). */
async function appendOpenings(tx: SqlTx, entries: readonly NewEntry[], start: number): Promise<void> {
  const at: number[] = [];
  for (let i = 0; i < entries.length; i++) if (hasOpeningRow(entries[i])) at.push(i);
  if (at.length === 0) return;
  await tx.query(
    `INSERT INTO ledger_commitment (leaf_index, salt, entry)
     SELECT i, decode(s, 'hex'), decode(e, 'hex') FROM unnest($1::int8[], $2::text[], $3::text[]) AS u(i, s, e)`,
    [at.map((i) => start + i), at.map((i) => hex(entries[i].opening!.salt)), at.map((i) => (entries[i].derived ? null : hex(entries[i].opening!.entry)))],
  );
}
