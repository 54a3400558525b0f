import { getDb } from "../db/client";
import { AppError, notFound } from "../errors";
import { getLogInfo } from "../ledger-store/log-info";
import { latestFinalCheckpoint, receiptFor } from "../ledger-store/receipts";
import { REPORT_RECEIPT_FORMAT, type ReportReceipt } from "./verify-report-receipt";

/**
 * The receipt of one of a report's ledger leaves (its submission by default, or a status
 * change's): the report.v1 entry text and its inclusion proof to the newest checkpoint a
 * quorum of witnesses cosigned. `receipt` null: no such checkpoint holds the leaf yet.
 */
export async function getReportReceipt(opts: { id: string; leaf?: number }): Promise<{ ready: false; leafIndex: number } | ({ ready: true } & ReportReceipt)> {
  const { sql } = await getDb();
  const leaves = await sql.query<{ leaf_index: string }>(`SELECT leaf_index::text FROM citizen_report_event WHERE report_id = $1 ORDER BY leaf_index`, [opts.id]);
  if (!leaves.length) throw notFound("report", opts.id);
  const leaf = opts.leaf ?? Number(leaves[0].leaf_index);
  if (!leaves.some((l) => Number(l.leaf_index) === leaf)) throw new AppError("validation", `leaf: ${leaf} is not a ledger leaf of report ${opts.id}`);
  const final = await latestFinalCheckpoint(sql, getLogInfo().quorum, leaf);
  if (!final) return { ready: false, leafIndex: leaf };
  const [row] = await sql.query<{ text: string }>(`SELECT convert_from(entry, 'UTF8') AS text FROM ledger_leaf WHERE leaf_index = $1`, [leaf]);
  return { ready: true, format: REPORT_RECEIPT_FORMAT, report: opts.id, ledger: { leafIndex: leaf, entry: row.text, receipt: await receiptFor(sql, leaf, final) } };
}
