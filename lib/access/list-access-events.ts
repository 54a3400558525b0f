import { getDb } from "../db/client";
import type { Viewer } from "./viewer";
import { requireRole } from "./require-role";
import { AppError } from "../errors";

/**
 * Reads of data, newest first: auditors see every department's, a department's admins
 * the reads of the datasets their department owns. Each event says who read (user,
 * department, role), which dataset, how many records over which time range, on what basis
 * (ownership, grant id, public) and at what scope, and the access.v1 batch it was ledgered in.
 */
export async function listAccessEvents(opts: {
  viewer: Viewer;
  dataset?: string;
  department?: string;
  grant?: string;
  /** The reader: a user id or e-mail address. */
  user?: string;
  /** The reader's department. */
  reader?: string;
  before?: number;
  limit?: number;
}) {
  const user = requireRole(opts.viewer, ["dept_admin", "auditor", "sysadmin"], "see who read data");
  const owner = user.role === "auditor" ? opts.department : (opts.department ?? user.departmentId);
  if (user.role !== "auditor" && owner !== user.departmentId)
    throw new AppError("forbidden", `${user.departmentId} may not see reads of ${owner}'s data`, `only ${owner}'s admins and auditors may see reads of its data`);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (cond: string, v: unknown) => {
    params.push(v);
    where.push(cond.replaceAll("?", `$${params.length}`));
  };
  if (owner) add("e.owner_department_id = ?", owner);
  if (opts.dataset) add("e.dataset_id = ?", opts.dataset);
  if (opts.grant) add("e.grant_id = ?", opts.grant);
  if (opts.user) add("(e.user_id = ? OR u.email = ?)", opts.user);
  if (opts.reader) add("e.department_id = ?", opts.reader);
  if (opts.before) add("e.id < ?", opts.before);
  params.push(opts.limit ?? 100);
  const db = await getDb();
  const rows = await db.sql.query<{
    id: number; at: Date; user_id: string | null; user_name: string | null; user_email: string | null; department_id: string | null; role: string | null;
    dataset_id: string; owner_department_id: string; basis: string; grant_id: string | null; scope: string; action: string;
    record_count: number | null; range_from: Date | null; range_until: Date | null; batch_id: string | null; leaf_index: number | null;
  }>(
    `SELECT e.id, e.at, e.user_id, u.name AS user_name, u.email AS user_email, e.department_id, e.role, e.dataset_id, e.owner_department_id,
            e.basis, e.grant_id, e.scope, e.action, e.record_count, e.range_from, e.range_until, e.batch_id, b.leaf_index
       FROM access_event e LEFT JOIN auth_user u ON u.id = e.user_id LEFT JOIN access_batch b ON b.id = e.batch_id
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY e.id DESC LIMIT $${params.length}`,
    params,
  );
  const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
  return {
    events: rows.map((r) => ({
      id: Number(r.id),
      at: iso(r.at)!,
      userId: r.user_id,
      user: r.user_id ? `${r.user_name ?? "?"} <${r.user_email ?? "?"}>` : null,
      departmentId: r.department_id,
      role: r.role,
      datasetId: r.dataset_id,
      ownerDepartmentId: r.owner_department_id,
      basis: r.basis,
      grantId: r.grant_id,
      scope: r.scope,
      action: r.action,
      count: r.record_count,
      from: iso(r.range_from),
      until: iso(r.range_until),
      batchId: r.batch_id,
      leafIndex: r.leaf_index === null ? null : Number(r.leaf_index),
    })),
  };
}
