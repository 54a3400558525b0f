import type { Sql } from "../db/sql";
import { consistencyProof, consistencyProofNodes, inclusionProof, inclusionProofNodes } from "../ledger/proof";
import { AppError } from "../errors";
import { nodeSha256 } from "./node-hasher";
import { readerForNodes } from "./tile-store";

/** Size of the integrated tree (what tiles and proofs can serve). */
export async function integratedSize(sql: Pick<Sql, "query">): Promise<number> {
  const [s] = await sql.query<{ integrated_size: number }>(`SELECT integrated_size FROM ledger_state WHERE id = 1`);
  return Number(s.integrated_size);
}

/** Inclusion proof of leaf `index` in the tree of `size` leaves, read from the stored tiles. */
export async function inclusionProofAt(sql: Pick<Sql, "query">, index: number, size: number): Promise<Uint8Array[]> {
  const have = await integratedSize(sql);
  if (size > have) throw new AppError("validation", `size ${size} is beyond the integrated tree (${have} leaves)`);
  if (index >= size) throw new AppError("validation", `index ${index} is not below size ${size}`);
  const reader = await readerForNodes(sql, size, inclusionProofNodes(index, size));
  return inclusionProof(reader, nodeSha256, index, size);
}

/** Consistency proof from the tree of `size1` leaves to the tree of `size2`, from the stored tiles. */
export async function consistencyProofBetween(sql: Pick<Sql, "query">, size1: number, size2: number): Promise<Uint8Array[]> {
  const have = await integratedSize(sql);
  if (size2 > have) throw new AppError("validation", `size2 ${size2} is beyond the integrated tree (${have} leaves)`);
  if (size1 > size2) throw new AppError("validation", `size1 ${size1} is greater than size2 ${size2}`);
  if (size1 === 0 || size1 === size2) return [];
  const reader = await readerForNodes(sql, size2, consistencyProofNodes(size1, size2));
  return consistencyProof(reader, nodeSha256, size1, size2);
}
