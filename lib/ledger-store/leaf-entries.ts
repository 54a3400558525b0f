// The entries of ledger leaves as the log hashes them. A reading's leaf stores no copy of its
// reading.v1 entry (migration 20261206010000_reading_storage): the entry is made of the
// reading row and its gateway batch, and is rebuilt here with the one reading encoder
// (lib/ingest/reading-encoding.ts), the same bytes the intake hashed into the leaf. A sealed
// reading keeps its salt (a column of its row, seal_salt, since migration
// 20261207060000_reading_seal_salt; a ledger_commitment row before, and for an archived one);
// the opening's inner entry is rebuilt likewise, and so is its commitment entry,
// SHA-256(salt || inner), when its leaf is folded into the row (sealed_leaf_hash).
// Every reader of leaf entries (the log's entry bundles, the entry viewer, provenance) reads
// them here. The entry holds the payload hash, which a row stored since migration
// 20261207050000 does not: it is derived, SHA-256 of the canonical envelope the row makes (one
// canonical encoding and one hash a reading served). The audit rebuilds them on its own byte path (reading-row-bytes.ts) and checks
// each against the stored leaf hash and the tree.
import type { Sql } from "../db/sql";
import { payloadHashOfRow } from "../ingest/envelope";
import { readingEntryBytes } from "../ingest/reading-encoding";
import { commitmentEntry } from "../ledger/commitment";
import { encodeEntry } from "../ledger/entries";
import { nodeSha256 } from "./node-hasher";

/** A leaf's kind and entry bytes; for a commitment, its salt and inner entry. entry null: a reading row no longer stored (archived). */
export type LeafEntry = { index: number; kind: string; entry: Uint8Array | null; salt: Uint8Array | null; inner: Uint8Array | null };

type Row = {
  leaf_index: number;
  kind: string;
  entry: Uint8Array | null;
  salt: Uint8Array | null;
  inner: Uint8Array | null;
  dataset_id: string | null;
  device_id: string;
  seq: number;
  observed_at: Date;
  lon: number;
  lat: number;
  payload: string;
  payload_hash: Uint8Array | null;
  signature: Uint8Array;
  gateway_device_id: string | null;
  batch_root: Uint8Array | null;
  gateway_signature: Uint8Array | null;
};

const u8 = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** The reading.v1 entry a reading row (with its gateway batch) makes. */
function rowEntry(r: Row): Uint8Array {
  return readingEntryBytes({
    dataset: r.dataset_id!,
    device: r.device_id,
    seq: Number(r.seq),
    observedAt: new Date(r.observed_at).toISOString(),
    // Stored before migration 20261207050000, else derived from the row: SHA-256 of the envelope it makes.
    payloadHash: payloadHashOfRow({ ...r, dataset_id: r.dataset_id! }),
    signature: u8(r.signature),
    gateway: r.gateway_device_id ? { device: r.gateway_device_id, batchRoot: u8(r.batch_root!), signature: u8(r.gateway_signature!) } : null,
  });
}

/** The leaves [from, to) that are stored, in order, with their entries (rebuilt where derived). */
export async function readLeafEntries(sql: Sql, from: number, to: number): Promise<LeafEntry[]> {
  // The reading join names the leaf range too, so that each day's partition is read by its
  // own primary key range rather than probed leaf by leaf.
  const rows = await sql.query<Row>(
    `SELECT l.leaf_index, l.kind, l.entry, coalesce(r.seal_salt, c.salt) AS salt, c.entry AS inner,
            r.dataset_id, r.device_id, r.seq, r.observed_at, r.lon, r.lat, r.payload::text AS payload, r.payload_hash, r.signature,
            g.gateway_device_id, g.batch_root, g.signature AS gateway_signature
       FROM ledger_leaf_all l
       LEFT JOIN ledger_commitment c ON c.leaf_index = l.leaf_index
       LEFT JOIN reading r ON r.leaf_index = l.leaf_index AND r.leaf_index >= $1 AND r.leaf_index < $2 AND (l.entry IS NULL OR (l.kind = 'commitment.v1' AND c.entry IS NULL))
       LEFT JOIN gateway_batch g ON g.id = r.gateway_batch_id
      WHERE l.leaf_index >= $1 AND l.leaf_index < $2
      ORDER BY l.leaf_index`,
    [from, to],
  );
  return rows.map((r) => {
    const rebuilt = r.dataset_id !== null ? rowEntry(r) : null;
    const sealed = r.kind === "commitment.v1";
    // A sealed reading's leaf folded into its row (20261207030000_sealed_reading_leaf_folded):
    // its commitment entry is rebuilt from the salt and the entry the row makes.
    const commitment = sealed && !r.entry && r.salt && rebuilt ? encodeEntry(commitmentEntry(nodeSha256, u8(r.salt), rebuilt)) : null;
    return {
      index: Number(r.leaf_index),
      kind: r.kind,
      entry: r.entry ? u8(r.entry) : sealed ? commitment : rebuilt,
      salt: r.salt ? u8(r.salt) : null,
      inner: r.inner ? u8(r.inner) : sealed ? rebuilt : null,
    };
  });
}

/** One leaf's entry (null: no such leaf). */
export async function readLeafEntry(sql: Sql, index: number): Promise<LeafEntry | null> {
  return (await readLeafEntries(sql, index, index + 1))[0] ?? null;
}

/** The entries of the given leaves (any order, sparse or not), by leaf index. */
export async function readLeafEntriesAt(sql: Sql, indexes: readonly number[]): Promise<Map<number, LeafEntry>> {
  const out = new Map<number, LeafEntry>();
  if (!indexes.length) return out;
  const lo = Math.min(...indexes);
  const hi = Math.max(...indexes) + 1;
  // A dense set is read as one range; a sparse one leaf by leaf.
  const found = hi - lo <= 4 * indexes.length + 64 ? await readLeafEntries(sql, lo, hi) : (await Promise.all(indexes.map((i) => readLeafEntries(sql, i, i + 1)))).flat();
  const wanted = new Set(indexes);
  for (const e of found) if (wanted.has(e.index)) out.set(e.index, e);
  return out;
}

/** The ref a leaf names ("table:id"): stored, or for a reading's leaf its device and seq from the entry. */
export function leafRef(refTable: string | null, refId: string | null, readingEntry: Uint8Array | null): string | null {
  if (refTable) return `${refTable}:${refId}`;
  if (!readingEntry) return null;
  const e = JSON.parse(Buffer.from(readingEntry).toString("utf8")) as { kind?: string; device?: string; seq?: number };
  return e.kind === "reading.v1" ? `reading:${e.device}:${e.seq}` : null;
}
