import type { Sql } from "../db/sql";
import { AppError, notFound } from "../errors";
import type { Viewer } from "./viewer";

export type ReadBasis = { datasetId: string; basis: "public" | "ownership" };

/**
 * The one access check every data read goes through. Returns why the viewer may read the
 * dataset, or throws 404 for an unknown dataset and 403 when the viewer may not read it.
 */
export async function checkRead(sql: Sql, viewer: Viewer, datasetId: string): Promise<ReadBasis> {
  const rows = await sql.query<{ department_id: string; sensitivity: string }>(
    `SELECT department_id, sensitivity FROM dataset WHERE id = $1`,
    [datasetId],
  );
  if (rows.length === 0) throw notFound("dataset", datasetId);
  const { department_id, sensitivity } = rows[0];
  if (viewer.kind === "user" && viewer.departmentId === department_id) return { datasetId, basis: "ownership" };
  if (sensitivity === "public") return { datasetId, basis: "public" };
  throw new AppError("forbidden", `viewer may not read dataset ${datasetId}`, `you have no access to dataset ${datasetId}`);
}

/**
 * The city's ledger (checkpoints, hash tiles, entry bundles, proofs) is public by design:
 * entries hold hashes of payloads, not the data, so anyone (another city, a journalist)
 * can verify the log with standard transparency-log tools. Reads still pass through here
 * so the policy has one place to change.
 */
export function checkLedgerRead(_viewer: Viewer): { basis: "public-ledger" } {
  return { basis: "public-ledger" };
}
