import { randomUUID } from "node:crypto";
import type { Viewer } from "../access/viewer";
import { requireRole } from "../access/require-role";
import { getDb } from "../db/client";
import { AppError, notFound } from "../errors";
import { appendEntries } from "../ledger-store/append-entries";
import type { SqlTx } from "../db/sql";
import { creditEntry, creditFor, type CreditAward } from "./credit-rule";
import { photoReuseOf } from "./report-rows";
import { takenFromAnother, type PhotoReuse } from "./photo-reuse";
import { isAbusive, keyFlagsOf, type KeyFlag } from "./key-flags";
import { MERGEABLE_STATUSES } from "./duplicate-rule";
import { serviceByCode } from "./service-catalogue";
import { getBus } from "../events/bus";
import { reportEntry, type ReportAction, type ReportStatus } from "./report-entry";

const NEXT: Record<Exclude<ReportAction, "submit">, { status: ReportStatus; from: ReportStatus[]; noteRequired: boolean }> = {
  assign: { status: "assigned", from: ["submitted"], noteRequired: false },
  confirm: { status: "confirmed", from: ["submitted", "assigned"], noteRequired: false },
  reject: { status: "rejected", from: ["submitted", "assigned", "confirmed"], noteRequired: true },
  resolve: { status: "resolved", from: ["assigned", "confirmed"], noteRequired: true },
  // A duplicate not yet confirmed on its own is merged into the report that is kept.
  merge: { status: "merged", from: ["submitted", "assigned"], noteRequired: false },
};

/** What a report has earned so far (the sum of its credit rows, revocations included). */
async function earnedBy(tx: SqlTx, report: string): Promise<number> {
  const [r] = await tx.query<{ n: number }>(`SELECT coalesce(sum(amount), 0)::int AS n FROM citizen_credit WHERE report_id = $1`, [report]);
  return Number(r?.n ?? 0);
}

/** Appends each award as a credit.v1 entry and its citizen_credit row, in the caller's transaction. */
async function award(tx: SqlTx, awards: { reporter: string; report: string; award: CreditAward }[], at: Date): Promise<void> {
  if (!awards.length) return;
  const rows = awards.map((a) => ({ ...a, id: randomUUID() }));
  const first = await appendEntries(tx, rows.map((r) => creditEntry({ ...r, at })));
  for (const [i, r] of rows.entries()) {
    await tx.query(`INSERT INTO citizen_credit (id, reporter, report_id, amount, reason, at, leaf_index) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [r.id, r.reporter, r.report, r.award.amount, r.award.reason, at, first + i]);
  }
}

type ReportRow = { id: string; service_code: string; department_id: string; status: string; description: string; location_cell: string; photo_hashes: string[]; content_hash: string; reporter: string; created_at: Date };

/**
 * The owning department (an official or admin of it) changes a report's status: assign,
 * confirm, reject (with a reason), resolve (with a note), or merge it as a duplicate `into`
 * another open or confirmed report of the same department. Appends the change's report.v1
 * entry (committing to the note by hash; a merge names the kept report), records the event and
 * appends the credit the change earns (credit.v1, lib/citizen/credit-rule.ts), all in the same
 * transaction. 409 for a change the current status does not allow.
 */
export async function changeReportStatus(opts: { viewer: Viewer; id: string; action: Exclude<ReportAction, "submit">; note?: string; into?: string; now?: Date }): Promise<{ status: ReportStatus; leafIndex: number }> {
  const user = requireRole(opts.viewer, ["official", "dept_admin", "sysadmin"], "triage reports");
  const step = NEXT[opts.action];
  if (!step) throw new AppError("validation", `action: must be one of ${Object.keys(NEXT).join(", ")}`);
  const note = opts.note?.trim() || undefined;
  if (step.noteRequired && !note) throw new AppError("validation", `note: a ${opts.action} needs a ${opts.action === "reject" ? "reason" : "note"}`);
  if (note && note.length > 2000) throw new AppError("validation", "note: at most 2000 characters");
  const into = opts.into?.trim() || undefined;
  if (opts.action === "merge" && !into) throw new AppError("validation", "into: a merge needs the id of the report to keep");
  if (opts.action !== "merge" && into) throw new AppError("validation", `into: only a merge names another report, not a ${opts.action}`);
  if (into === opts.id) throw new AppError("validation", `into: report ${opts.id} cannot be merged into itself`);
  const now = opts.now ?? new Date();
  const { sql } = await getDb();
  return sql.transaction(async (tx) => {
    // Both rows of a merge are locked, in id order, so two crossed merges cannot both pass.
    const ids = [opts.id, ...(into ? [into] : [])].sort();
    const rows = await tx.query<ReportRow>(
      `SELECT id, service_code, department_id, status, description, location_cell, photo_hashes, content_hash, reporter, created_at FROM citizen_report WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
    const r = rows.find((x) => x.id === opts.id);
    if (!r) throw notFound("report", opts.id);
    if (user.role !== "sysadmin" && user.departmentId !== r.department_id) throw new AppError("forbidden", `report ${opts.id} belongs to department ${r.department_id}`);
    if (!step.from.includes(r.status as ReportStatus)) throw new AppError("conflict", `a ${r.status} report cannot be ${opts.action}ed`, `a ${r.status} report cannot be changed this way (${opts.action})`);
    if (into) {
      const kept = rows.find((x) => x.id === into);
      if (!kept) throw notFound("report", into);
      if (kept.department_id !== r.department_id) throw new AppError("validation", `into: report ${into} belongs to department ${kept.department_id}, not ${r.department_id}`);
      if (!MERGEABLE_STATUSES.includes(kept.status)) throw new AppError("conflict", `into: report ${into} is ${kept.status}; a report is merged only into an open or confirmed one`);
    }
    const leaf = await appendEntries(tx, [
      reportEntry({ report: opts.id, serviceCode: r.service_code, department: r.department_id, cell: r.location_cell, description: r.description, photos: r.photo_hashes, contentHash: r.content_hash, reporter: r.reporter, action: opts.action, status: step.status, by: user.userId, role: user.role, note, duplicateOf: into, at: now }),
    ]);
    await tx.query(`UPDATE citizen_report SET status = $2, updated_at = $3, duplicate_of = COALESCE($4, duplicate_of) WHERE id = $1`, [opts.id, step.status, now, into ?? null]);
    await tx.query(
      `INSERT INTO citizen_report_event (id, report_id, action, status, by_id, role, department_id, note, at, leaf_index) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [randomUUID(), opts.id, opts.action, step.status, user.userId, user.role, r.department_id, note ?? null, now, leaf],
    );
    // Credit (lib/citizen/credit-rule.ts), ledgered in the same transaction as the change.
    const awards: { reporter: string; report: string; award: CreditAward }[] = [];
    // A report whose photo another key sent first earns nothing (lib/citizen/photo-reuse.ts).
    const dups =
      opts.action === "confirm"
        ? await tx.query<ReportRow>(`SELECT id, reporter, photo_hashes, created_at FROM citizen_report WHERE duplicate_of = $1 AND status = 'merged' ORDER BY id`, [opts.id])
        : [];
    // Only a confirmation or a merge can earn (a rejection takes back whatever was earned): the
    // other changes skip both reads.
    const earns = opts.action === "confirm" || opts.action === "merge";
    const reuse = earns ? await photoReuseOf(tx, [r, ...dups].map((x) => ({ id: x.id, reporter: x.reporter, createdAt: new Date(x.created_at).toISOString(), photos: x.photo_hashes }))) : new Map<string, PhotoReuse[]>();
    const photoTaken = (id: string) => takenFromAnother(reuse.get(id) ?? []);
    // Nor does a report of a key marked abusive while the mark stands (lib/citizen/key-flags.ts).
    const flags = earns ? await keyFlagsOf(tx, [r.reporter, ...dups.map((d) => d.reporter)]) : new Map<string, KeyFlag>();
    const keyFlagged = (reporter: string) => isAbusive(flags.get(reporter));
    const own = creditFor({ action: opts.action, reporter: r.reporter, earned: await earnedBy(tx, opts.id), keptStatus: rows.find((x) => x.id === into)?.status, photoTaken: photoTaken(opts.id), keyFlagged: keyFlagged(r.reporter) });
    if (own) awards.push({ reporter: r.reporter, report: opts.id, award: own });
    if (opts.action === "confirm") {
      // Duplicates merged into this report before it was confirmed earn their (smaller) share now.
      for (const d of dups) {
        const a = creditFor({ action: "merge", reporter: d.reporter, earned: await earnedBy(tx, d.id), keptStatus: "confirmed", photoTaken: photoTaken(d.id), keyFlagged: keyFlagged(d.reporter) });
        if (a) awards.push({ reporter: d.reporter, report: d.id, award: a });
      }
    }
    await award(tx, awards, now);
    // A report joins the map when confirmed and leaves it when closed: a safety category's the
    // safety layer, any other the citizen-reports layer. Live maps fetch that layer again
    // (delivered when this transaction commits).
    if (["confirm", "resolve", "reject", "merge"].includes(opts.action)) {
      await getBus().publishInTx(tx, "citizen-incidents", { report: opts.id, safety: !!serviceByCode(r.service_code)?.safety });
    }
    return { status: step.status, leafIndex: leaf };
  });
}
