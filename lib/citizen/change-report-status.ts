import { randomUUID } from "node:crypto";
import type { Viewer } from "../access/viewer";
import { requireRole } from "../access/require-role";
import { getDb } from "../db/client";
import { AppError, notFound } from "../errors";
import { appendEntries } from "../ledger-store/append-entries";
import { reportEntry, type ReportAction, type ReportStatus } from "./report-entry";

const NEXT: Record<Exclude<ReportAction, "submit">, { status: ReportStatus; from: ReportStatus[]; noteRequired: boolean }> = {
  assign: { status: "assigned", from: ["submitted"], noteRequired: false },
  confirm: { status: "confirmed", from: ["submitted", "assigned"], noteRequired: false },
  reject: { status: "rejected", from: ["submitted", "assigned", "confirmed"], noteRequired: true },
  resolve: { status: "resolved", from: ["assigned", "confirmed"], noteRequired: true },
};

/**
 * The owning department (an official or admin of it) changes a report's status: assign,
 * confirm, reject (with a reason) or resolve (with a note). Appends the change's report.v1
 * entry (committing to the note by hash) and records the event in the same transaction.
 * 409 for a change the current status does not allow.
 */
export async function changeReportStatus(opts: { viewer: Viewer; id: string; action: Exclude<ReportAction, "submit">; note?: string; now?: Date }): Promise<{ status: ReportStatus; leafIndex: number }> {
  const user = requireRole(opts.viewer, ["official", "dept_admin", "sysadmin"], "triage reports");
  const step = NEXT[opts.action];
  if (!step) throw new AppError("validation", `action: must be one of ${Object.keys(NEXT).join(", ")}`);
  const note = opts.note?.trim() || undefined;
  if (step.noteRequired && !note) throw new AppError("validation", `note: a ${opts.action} needs a ${opts.action === "reject" ? "reason" : "note"}`);
  if (note && note.length > 2000) throw new AppError("validation", "note: at most 2000 characters");
  const now = opts.now ?? new Date();
  const { sql } = await getDb();
  return sql.transaction(async (tx) => {
    const [r] = await tx.query<{ service_code: string; department_id: string; status: string; description: string; location_cell: string; photo_hashes: string[]; content_hash: string; reporter: string }>(
      `SELECT service_code, department_id, status, description, location_cell, photo_hashes, content_hash, reporter FROM citizen_report WHERE id = $1 FOR UPDATE`,
      [opts.id],
    );
    if (!r) throw notFound("report", opts.id);
    if (user.role !== "sysadmin" && user.departmentId !== r.department_id) throw new AppError("forbidden", `report ${opts.id} belongs to department ${r.department_id}`);
    if (!step.from.includes(r.status as ReportStatus)) throw new AppError("conflict", `a ${r.status} report cannot be ${opts.action}ed`, `a ${r.status} report cannot be changed this way (${opts.action})`);
    const leaf = await appendEntries(tx, [
      reportEntry({ report: opts.id, serviceCode: r.service_code, department: r.department_id, cell: r.location_cell, description: r.description, photos: r.photo_hashes, contentHash: r.content_hash, reporter: r.reporter, action: opts.action, status: step.status, by: user.userId, role: user.role, note, at: now }),
    ]);
    await tx.query(`UPDATE citizen_report SET status = $2, updated_at = $3 WHERE id = $1`, [opts.id, step.status, now]);
    await tx.query(
      `INSERT INTO citizen_report_event (id, report_id, action, status, by_id, role, department_id, note, at, leaf_index) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [randomUUID(), opts.id, opts.action, step.status, user.userId, user.role, r.department_id, note ?? null, now, leaf],
    );
    return { status: step.status, leafIndex: leaf };
  });
}
