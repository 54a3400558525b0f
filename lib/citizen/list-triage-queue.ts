import type { Viewer } from "../access/viewer";
import { requireRole } from "../access/require-role";
import { getDb } from "../db/client";
import { AppError } from "../errors";
import { DUPLICATE_WINDOW_MS, MERGEABLE_STATUSES, suggestDuplicates, type DuplicateCandidate, type DuplicateSuggestion } from "./duplicate-rule";
import { CLOSED_SQL, photoReuseOf, publicReports, type PublicReport } from "./report-rows";
import type { PhotoReuse } from "./photo-reuse";
import { keyFlagsOf, type KeyFlag } from "./key-flags";

export type TriageReport = PublicReport & {
  exact: [number, number];
  photos: string[];
  contact: { name: string | null; email: string | null; phone: string | null } | null;
  /** Other open or confirmed reports that may be the same problem (lib/citizen/duplicate-rule.ts); empty for a closed report. */
  duplicates: DuplicateSuggestion[];
  /** Its photos that an earlier report already carried (lib/citizen/photo-reuse.ts): another key's photo earns no credit. */
  photoReuse: PhotoReuse[];
  /** The reporter key's mark, if a department made one (lib/citizen/key-flags.ts); the reason shows only to the department that made it. */
  keyFlag: (Omit<KeyFlag, "reason" | "appeal" | "decisionNote"> & { reason: string | null; appeal: string | null; decisionNote: string | null }) | null;
};

/**
 * A department's triage queue: its reports (open ones by default), newest first, with what
 * only the owning department sees: the exact point, the photo hashes, the contact details,
 * for each open report the duplicates the rule suggests, and photos an earlier report carried.
 */
export async function listTriageQueue(opts: { viewer: Viewer; department?: string; status?: "open" | "all" }): Promise<TriageReport[]> {
  const user = requireRole(opts.viewer, ["official", "dept_admin", "sysadmin"], "triage reports");
  const department = opts.department ?? user.departmentId;
  if (user.role !== "sysadmin" && department !== user.departmentId) throw new AppError("forbidden", `only department ${department} triages its reports`);
  const { sql } = await getDb();
  const where = opts.status === "all" ? "department_id = $1" : `department_id = $1 AND status NOT IN (${CLOSED_SQL})`;
  const reports = await publicReports(sql, where, [department], "ORDER BY created_at DESC LIMIT 500");
  if (!reports.length) return [];
  const ids = reports.map((r) => r.id);
  const exact = new Map((await sql.query<{ id: string; lon: number; lat: number; photo_hashes: string[] }>(`SELECT id, lon, lat, photo_hashes FROM citizen_report WHERE id = ANY($1::text[])`, [ids])).map((r) => [r.id, r]));
  const contacts = new Map((await sql.query<{ report_id: string; name: string | null; email: string | null; phone: string | null }>(`SELECT report_id, name, email, phone FROM citizen_report_contact WHERE report_id = ANY($1::text[])`, [ids])).map((c) => [c.report_id, c]));
  // Candidates: the department's open or confirmed reports filed within the window of any listed one.
  const times = reports.map((r) => Date.parse(r.createdAt));
  const candidates = (
    await sql.query<{ id: string; service_code: string; status: string; lon: number; lat: number; created_at: Date }>(
      `SELECT id, service_code, status, lon, lat, created_at FROM citizen_report WHERE department_id = $1 AND status = ANY($2::text[]) AND created_at BETWEEN $3 AND $4`,
      [department, MERGEABLE_STATUSES, new Date(Math.min(...times) - DUPLICATE_WINDOW_MS), new Date(Math.max(...times) + DUPLICATE_WINDOW_MS)],
    )
  ).map((c): DuplicateCandidate => ({ id: c.id, serviceCode: c.service_code, department, status: c.status, lon: c.lon, lat: c.lat, createdAt: new Date(c.created_at).toISOString() }));
  const reuse = await photoReuseOf(sql, reports.map((r) => ({ id: r.id, reporter: r.reporter, createdAt: r.createdAt, photos: exact.get(r.id)?.photo_hashes ?? [] })));
  const flags = await keyFlagsOf(sql, reports.map((r) => r.reporter));
  const flagOf = (reporter: string): TriageReport["keyFlag"] => {
    const f = flags.get(reporter);
    if (!f) return null;
    return f.department === department ? f : { ...f, reason: null, appeal: null, decisionNote: null };
  };
  return reports.map((r) => {
    const e = exact.get(r.id)!;
    const c = contacts.get(r.id);
    const self: DuplicateCandidate = { id: r.id, serviceCode: r.serviceCode, department, status: r.status, lon: e.lon, lat: e.lat, createdAt: r.createdAt };
    return {
      ...r,
      exact: [e.lon, e.lat],
      photos: e.photo_hashes,
      contact: c ? { name: c.name, email: c.email, phone: c.phone } : null,
      duplicates: MERGEABLE_STATUSES.includes(r.status) ? suggestDuplicates(self, candidates) : [],
      photoReuse: reuse.get(r.id) ?? [],
      keyFlag: flagOf(r.reporter),
    };
  });
}
