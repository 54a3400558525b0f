// Receipts (C2SP tlog-proof bundles) for any leaf: the newest checkpoint a quorum of witnesses
// cosigned, with its cosignatures in the note, and the leaf's inclusion proof to it.
import type { Sql } from "../db/sql";
import { formatProofBundle } from "../ledger/proof-bundle";
import { inclusionProofAt } from "./proofs";

export type Final = { size: number; note: string; createdAt: Date };

/** The newest checkpoint a quorum of witnesses cosigned, with its cosignatures in the note. */
export async function latestFinalCheckpoint(sql: Sql, quorum: number, above: number): Promise<Final | null> {
  const rows = await sql.query<{ size: number; note: string; created_at: Date }>(
    `SELECT c.size, c.note, c.created_at FROM checkpoint c
      WHERE c.size > $1 AND (SELECT count(*) FROM cosignature s WHERE s.checkpoint_size = c.size) >= $2
      ORDER BY c.size DESC LIMIT 1`,
    [above, quorum],
  );
  if (!rows.length) return null;
  const size = Number(rows[0].size);
  const cos = await sql.query<{ line: string }>(`SELECT line FROM cosignature WHERE checkpoint_size = $1 ORDER BY witness`, [size]);
  return { size, note: rows[0].note + cos.map((c) => `${c.line}\n`).join(""), createdAt: rows[0].created_at };
}

export async function receiptFor(sql: Sql, index: number, cp: Final): Promise<string> {
  const proof = await inclusionProofAt(sql, index, cp.size);
  return formatProofBundle({ index, proof, checkpoint: cp.note });
}
