import type { Viewer } from "../access/viewer";
import { requireRole } from "../access/require-role";
import { getDb } from "../db/client";
import { AppError } from "../errors";
import { publicReports, type PublicReport } from "./report-rows";

export type TriageReport = PublicReport & { exact: [number, number]; photos: string[]; contact: { name: string | null; email: string | null; phone: string | null } | null };

/**
 * A department's triage queue: its reports (open ones by default), newest first, with what
 * only the owning department sees: the exact point, the photo hashes and the contact details.
 */
export async function listTriageQueue(opts: { viewer: Viewer; department?: string; status?: "open" | "all" }): Promise<TriageReport[]> {
  const user = requireRole(opts.viewer, ["official", "dept_admin", "sysadmin"], "triage reports");
  const department = opts.department ?? user.departmentId;
  if (user.role !== "sysadmin" && department !== user.departmentId) throw new AppError("forbidden", `only department ${department} triages its reports`);
  const { sql } = await getDb();
  const where = opts.status === "all" ? "department_id = $1" : "department_id = $1 AND status NOT IN ('rejected', 'resolved')";
  const reports = await publicReports(sql, where, [department], "ORDER BY created_at DESC LIMIT 500");
  if (!reports.length) return [];
  const ids = reports.map((r) => r.id);
  const exact = new Map((await sql.query<{ id: string; lon: number; lat: number; photo_hashes: string[] }>(`SELECT id, lon, lat, photo_hashes FROM citizen_report WHERE id = ANY($1::text[])`, [ids])).map((r) => [r.id, r]));
  const contacts = new Map((await sql.query<{ report_id: string; name: string | null; email: string | null; phone: string | null }>(`SELECT report_id, name, email, phone FROM citizen_report_contact WHERE report_id = ANY($1::text[])`, [ids])).map((c) => [c.report_id, c]));
  return reports.map((r) => {
    const e = exact.get(r.id)!;
    const c = contacts.get(r.id);
    return { ...r, exact: [e.lon, e.lat], photos: e.photo_hashes, contact: c ? { name: c.name, email: c.email, phone: c.phone } : null };
  });
}
