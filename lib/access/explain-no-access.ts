import type { Sql, SqlTx } from "../db/sql";
import type { Viewer } from "./viewer";

export type NoAccessReason = {
  code: "sign_in" | "no_grant" | "requested" | "revoked" | "expired" | "rejected";
  message: string;
  grantId?: string;
  at?: string;
  /** The department of whoever made the change (or "system"). */
  by?: string;
  /** Their role then, by their account history. */
  byRole?: string;
  note?: string;
};

/**
 * Why a viewer may not read a dataset, from the latest grant its department had or asked
 * for: revoked (when, by whom, why), expired, rejected, still requested, or never granted.
 */
export async function explainNoAccess(sql: Sql | SqlTx, viewer: Viewer, datasetId: string): Promise<NoAccessReason> {
  if (viewer.kind !== "user") {
    return { code: "sign_in", message: `dataset ${datasetId} is not public: sign in with a department that owns it or holds a grant for it` };
  }
  // Who made the grant's last change (its history row keeps the actor's own department, and
  // their account history their role then): a revocation by another department's sysadmin
  // says so, not the owner's name.
  const rows = await sql.query<{
    id: string; status: string; ended_at: Date | null; ended_by: string | null; decided_at: Date | null; valid_until: Date; reason: string | null; owner_department_id: string;
    by_user: string | null; by_department: string | null; by_role: string | null;
  }>(
    `SELECT g.id, g.status, g.ended_at, g.ended_by, g.decided_at, g.valid_until, g.reason, g.owner_department_id, e.by_user, e.by_department,
            (SELECT a.role FROM account_event a WHERE a.user_id = e.by_user AND a.leaf_index < e.leaf_index ORDER BY a.leaf_index DESC LIMIT 1) AS by_role
       FROM (SELECT * FROM data_grant WHERE dataset_id = $1 AND grantee_department_id = $2 ORDER BY updated_at DESC, id DESC LIMIT 1) g
       LEFT JOIN LATERAL (SELECT by_user, by_department, leaf_index FROM grant_event WHERE grant_id = g.id ORDER BY id DESC LIMIT 1) e ON true`,
    [datasetId, viewer.departmentId],
  );
  const g = rows[0];
  const byDepartment = g?.by_department ?? (g?.by_user === "system" ? "system" : g?.owner_department_id);
  const actor = g?.by_department ? (g.by_role ? `${g.by_department} (${g.by_role})` : g.by_department) : g?.by_user === "system" ? "the system" : g?.owner_department_id;
  const none: NoAccessReason = {
    code: "no_grant",
    message: `your department (${viewer.departmentId}) holds no grant for dataset ${datasetId}; its admin can request one`,
  };
  if (!g) return none;
  const when = (d: Date | null) => (d ? new Date(d).toISOString() : undefined);
  switch (g.status) {
    case "revoked":
      return {
        code: "revoked",
        grantId: g.id,
        at: when(g.ended_at),
        by: byDepartment,
        ...(g.by_role ? { byRole: g.by_role } : {}),
        note: g.reason ?? undefined,
        message: `grant ${g.id} for dataset ${datasetId} was revoked by ${actor} at ${when(g.ended_at)}${g.reason ? `: ${g.reason}` : ""}`,
      };
    case "expired":
      return { code: "expired", grantId: g.id, at: when(g.ended_at ?? g.valid_until), message: `grant ${g.id} for dataset ${datasetId} expired at ${when(g.valid_until)}` };
    case "rejected":
      return {
        code: "rejected",
        grantId: g.id,
        at: when(g.decided_at),
        note: g.reason ?? undefined,
        by: byDepartment,
        ...(g.by_role ? { byRole: g.by_role } : {}),
        message: `the request ${g.id} for dataset ${datasetId} was rejected by ${actor}${g.reason ? `: ${g.reason}` : ""}`,
      };
    case "requested":
      return { code: "requested", grantId: g.id, message: `access to dataset ${datasetId} is requested (${g.id}) and awaits ${g.owner_department_id}'s decision` };
    case "active":
      // Active but not in force now (expired a moment ago, or not yet valid).
      return { code: "expired", grantId: g.id, at: when(g.valid_until), message: `grant ${g.id} for dataset ${datasetId} is not in force now (valid until ${when(g.valid_until)})` };
    default:
      return none;
  }
}
