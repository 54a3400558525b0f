import type { Viewer } from "../access/viewer";
import { checkRead } from "../access/check-read";
import { readProvenanceReading } from "../access/scoped/provenance-reading";
import { getDb } from "../db/client";
import type { Sql } from "../db/sql";
import { AppError, notFound } from "../errors";
import { openCommitment } from "../ledger/commitment";
import { toHex } from "../ledger/encoding";
import { decodeEntry } from "../ledger/entries";
import { getLogInfo } from "./log-info";
import { latestFinalCheckpoint, receiptFor } from "./receipts";
import { searchEntries } from "./search-entries";
import { sealHasher } from "./seal";

type Opening = { salt: string; entry: Record<string, unknown> };

/**
 * The opening of a restricted dataset's reading commitment for a viewer whose department
 * holds a raw grant on that dataset covering this reading (its window and area, tested by
 * the scoped read in lib/access): the reading's entry names its device and exact time, which
 * that grant lets them read anyway. Null for anyone else, and for anything but a reading.
 */
async function openForGrantee(sql: Sql, viewer: Viewer, leaf: number, outer: string): Promise<Opening | null> {
  if (viewer.kind !== "user") return null;
  const [c] = await sql.query<{ salt: Uint8Array; entry: Uint8Array }>(`SELECT salt, entry FROM ledger_commitment WHERE leaf_index = $1`, [leaf]);
  if (!c) return null;
  const inner = openCommitment(sealHasher, decodeEntry(new TextEncoder().encode(outer)), new Uint8Array(c.salt), new Uint8Array(c.entry));
  if (inner.kind !== "reading.v1") return null;
  try {
    const basis = await checkRead(sql, viewer, inner.dataset);
    if (basis.basis !== "grant" || basis.scope !== "raw") return null;
    await readProvenanceReading(sql, basis, leaf);
  } catch (e) {
    if (e instanceof AppError && (e.code === "forbidden" || e.code === "unauthenticated" || e.code === "not_found")) return null;
    throw e;
  }
  return { salt: toHex(new Uint8Array(c.salt)), entry: inner as unknown as Record<string, unknown> };
}

/**
 * One ledger entry for the entry viewer: as the ledger search shows it to this viewer (a
 * commitment opened only for those who may open it: its owner, auditors, and for a reading
 * a raw grantee whose grant covers it), with the exact entry text the leaf hashes (the
 * public log serves the same bytes in its entry bundles) and a receipt: its inclusion proof
 * to the newest checkpoint a quorum cosigned, which the browser verifies. `receipt` is null
 * while no such checkpoint holds the leaf yet.
 */
export async function getLedgerEntry(opts: { viewer: Viewer; leaf: number }) {
  const [found] = (await searchEntries({ viewer: opts.viewer, before: opts.leaf + 1, limit: 1 })).entries;
  if (!found || found.leafIndex !== opts.leaf) throw notFound("ledger leaf", opts.leaf);
  const { sql } = await getDb();
  const [row] = await sql.query<{ text: string; ref_table: string | null; ref_id: string | null }>(
    `SELECT convert_from(entry, 'UTF8') AS text, ref_table, ref_id FROM ledger_leaf WHERE leaf_index = $1`,
    [opts.leaf],
  );
  const opened = found.kind === "commitment.v1" && !found.opened ? await openForGrantee(sql, opts.viewer, opts.leaf, row.text) : null;
  const final = await latestFinalCheckpoint(sql, getLogInfo().quorum, opts.leaf);
  return {
    ...found,
    ...(opened ? { opened, ref: row.ref_table ? `${row.ref_table}:${row.ref_id}` : null } : {}),
    text: row.text,
    receipt: final ? await receiptFor(sql, opts.leaf, final) : null,
  };
}
