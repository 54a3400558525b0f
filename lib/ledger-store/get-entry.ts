import { readLeafEntry } from "./leaf-entries";
import type { Viewer } from "../access/viewer";
import { getDb } from "../db/client";
import { notFound } from "../errors";
import { getLogInfo } from "./log-info";
import { latestFinalCheckpoint, receiptFor } from "./receipts";
import { searchEntries } from "./search-entries";

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
  const leaf = await readLeafEntry(sql, opts.leaf);
  if (!leaf?.entry) throw notFound("ledger entry (archived reading)", opts.leaf);
  const final = await latestFinalCheckpoint(sql, getLogInfo().quorum, opts.leaf);
  return {
    ...found,
    text: Buffer.from(leaf.entry).toString("utf8"),
    receipt: final ? await receiptFor(sql, opts.leaf, final) : null,
  };
}
