import { copyByteaField, copyTextField, type SqlTx } from "../db/sql";
import { copyRows } from "../db/copy-rows";
import { leafHash } from "../ledger/merkle";
import { nodeSha256 } from "./node-hasher";

export type NewEntry = {
  /** Versioned entry kind, e.g. reading.v1 */
  kind: string;
  /** Canonical JSON (RFC 8785) bytes of the entry */
  bytes: Uint8Array;
  /** Domain row the entry records, for the audit to find it */
  refTable: string;
  refId: string;
  /**
   * The leaf row's fields after leaf_index as COPY text in UTF-8 (see leafCopyText), when the
   * caller computed them ahead of the transaction (they do not depend on the leaf index).
   */
  copy?: Uint8Array;
};

/** A leaf row's COPY text after its leaf index: kind, entry, leaf hash, ref table, ref id. */
export function leafCopyText(e: Pick<NewEntry, "kind" | "bytes" | "refTable" | "refId">): string {
  return `${copyTextField(e.kind)}\t${copyByteaField(e.bytes)}\t${copyByteaField(leafHash(nodeSha256, e.bytes))}\t${copyTextField(e.refTable)}\t${copyTextField(e.refId)}`;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/** From this many entries on, the leaves are written with COPY instead of a multi-row insert. */
const COPY_FROM = 64;
const LEAF_COLUMNS = ["leaf_index", "kind", "entry", "leaf_hash", "ref_table", "ref_id"] as const;

/**
 * Sequences entries inside the caller's transaction: takes the next free leaf indexes from
 * the row-locked ledger_state and writes the leaves. The indexes are contiguous and in
 * commit order, because every appender holds that row's lock until it commits; once the
 * caller commits, the entries are durable and the integrator will put them in the tree.
 * Returns the first leaf index (the i-th entry gets first + i).
 * A large group (ingest commits thousands) is bulk-loaded with COPY.
 */
export async function appendEntries(tx: SqlTx, entries: readonly NewEntry[]): Promise<number> {
  if (entries.length === 0) throw new Error("appendEntries: no entries");
  const [{ first }] = await tx.query<{ first: number }>(
    `UPDATE ledger_state SET next_index = next_index + $1 WHERE id = 1 RETURNING (next_index - $1)::int8 AS first`,
    [entries.length],
  );
  const start = Number(first);
  if (entries.length >= COPY_FROM) {
    const data = copyRows(
      entries.length,
      (i) => `${start + i}\t`,
      (i) => entries[i].copy ?? Buffer.from(leafCopyText(entries[i])),
      () => "",
    );
    await tx.copyIn("ledger_leaf", LEAF_COLUMNS, data);
    return start;
  }
  await tx.query(
    `INSERT INTO ledger_leaf (leaf_index, kind, entry, leaf_hash, ref_table, ref_id)
     SELECT $1::int8 + ord - 1, k, decode(e, 'hex'), decode(h, 'hex'), t, r
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS u(k, e, h, t, r, ord)`,
    [
      start,
      entries.map((e) => e.kind),
      entries.map((e) => hex(e.bytes)),
      entries.map((e) => hex(leafHash(nodeSha256, e.bytes))),
      entries.map((e) => e.refTable),
      entries.map((e) => e.refId),
    ],
  );
  return start;
}
