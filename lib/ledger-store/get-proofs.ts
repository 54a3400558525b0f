import type { Viewer } from "../access/viewer";
import { checkLedgerRead } from "../access/check-read";
import { getDb } from "../db/client";
import { notFound, AppError } from "../errors";
import { toHex } from "../ledger/encoding";
import { consistencyProofBetween, inclusionProofAt } from "./proofs";

async function rootAt(sql: Awaited<ReturnType<typeof getDb>>["sql"], size: number): Promise<string> {
  const rows = await sql.query<{ root: string }>(`SELECT encode(root_hash, 'hex') AS root FROM checkpoint WHERE size = $1`, [size]);
  if (!rows.length) throw new AppError("validation", `there is no checkpoint of size ${size}; use a checkpointed size`);
  return rows[0].root;
}

/** Inclusion proof of a leaf in a checkpointed tree (default: the latest checkpoint). */
export async function getInclusionProof(opts: { viewer: Viewer; index: number; size?: number }) {
  checkLedgerRead(opts.viewer);
  const { sql } = await getDb();
  const size =
    opts.size ?? Number((await sql.query<{ size: number }>(`SELECT max(size) AS size FROM checkpoint`))[0]?.size ?? 0);
  const leaf = await sql.query<{ h: string }>(`SELECT encode(leaf_hash, 'hex') AS h FROM ledger_leaf_all WHERE leaf_index = $1`, [opts.index]);
  if (!leaf.length) throw notFound("leaf", opts.index);
  if (opts.index >= size) throw new AppError("validation", `leaf ${opts.index} is not yet in a checkpoint (latest size ${size})`);
  const root = await rootAt(sql, size);
  const proof = await inclusionProofAt(sql, opts.index, size);
  return { index: opts.index, size, leafHash: leaf[0].h, root, proof: proof.map(toHex) };
}

/** Consistency proof between two checkpointed sizes. */
export async function getConsistencyProof(opts: { viewer: Viewer; size1: number; size2: number }) {
  checkLedgerRead(opts.viewer);
  const { sql } = await getDb();
  const [root1, root2] = [await rootAt(sql, opts.size1), await rootAt(sql, opts.size2)];
  const proof = await consistencyProofBetween(sql, opts.size1, opts.size2);
  return { size1: opts.size1, size2: opts.size2, root1, root2, proof: proof.map(toHex) };
}
