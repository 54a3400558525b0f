import type { Sql, SqlTx } from "../db/sql";
import type { Viewer } from "./viewer";

export type NoAccessReason = {
  code: "sign_in" | "no_grant" | "requested" | "revoked" | "expired" | "rejected";
  message: string;
  grantId?: string;
  at?: string;
  by?: string;
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
  const rows = await sql.query<{ id: string; status: string; ended_at: Date | null; ended_by: string | null; decided_at: Date | null; valid_until: Date; reason: string | null; owner_department_id: string }>(
    `SELECT id, status, ended_at, ended_by, decided_at, valid_until, reason, owner_department_id
       FROM data_grant WHERE dataset_id = $1 AND grantee_department_id = $2
      ORDER BY updated_at DESC, id DESC LIMIT 1`,
    [datasetId, viewer.departmentId],
  );
  const g = rows[0];
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
        by: g.owner_department_id,
        note: g.reason ?? undefined,
        message: `grant ${g.id} for dataset ${datasetId} was revoked by ${g.owner_department_id} at ${when(g.ended_at)}${g.reason ? `: ${g.reason}` : ""}`,
      };
    case "expired":
      return { code: "expired", grantId: g.id, at: when(g.ended_at ?? g.valid_until), message: `grant ${g.id} for dataset ${datasetId} expired at ${when(g.valid_until)}` };
    case "rejected":
      return {
        code: "rejected",
        grantId: g.id,
        at: when(g.decided_at),
        note: g.reason ?? undefined,
        message: `the request ${g.id} for dataset ${datasetId} was rejected by ${g.owner_department_id}${g.reason ? `: ${g.reason}` : ""}`,
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
