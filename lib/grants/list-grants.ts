import { getDb } from "../db/client";
import { AppError } from "../errors";
import type { Viewer } from "../access/viewer";
import { requireRole } from "../access/require-role";
import { loadConfig } from "../config";
import { GRANT_COLUMNS, grantView, selectGrant, type GrantRow, type GrantStatus } from "./grant-row";
import { statusesOf, type GrantState } from "./paging";
import { SqlFilter } from "../db/sql-filter";

type User = Extract<Viewer, { kind: "user" }>;
const SEE_ALL = ["auditor", "sysadmin"];

/** Who may see grants: admins of the owner or grantee department; auditors and sysadmins see all. */
function visibility(viewer: Viewer) {
  return requireRole(viewer, ["dept_admin", "sysadmin", "auditor"], "see data grants");
}

/**
 * Grants the viewer may see, a page at a time: for a department admin those on its datasets
 * ("incoming", including requests awaiting its decision) and those its department holds or
 * asked for ("outgoing"); auditors and sysadmins see every department's. Filtered by state
 * (pending, active, ended: revoked, rejected or expired; or all) or by one status. Newest
 * change first, with the total the filter matches and the name of who asked for each.
 */
export async function listGrants(opts: {
  viewer: Viewer;
  direction?: "incoming" | "outgoing" | "all";
  state?: GrantState;
  status?: GrantStatus;
  dataset?: string;
  /** Only the grants this emergency linkage rule made. */
  rule?: string;
  limit?: number;
  offset?: number;
}) {
  const user = visibility(opts.viewer);
  const db = await getDb();
  const dir = opts.direction ?? "all";
  const filter = new SqlFilter();
  if (!SEE_ALL.includes(user.role) || dir !== "all") {
    filter.where(user.departmentId, (p) => (dir === "incoming" ? `owner_department_id = ${p}` : dir === "outgoing" ? `grantee_department_id = ${p}` : `(owner_department_id = ${p} OR grantee_department_id = ${p})`));
  }
  const statuses = opts.status ? [opts.status] : statusesOf(opts.state ?? "all");
  filter
    .whereGiven(statuses, (p) => `status = ANY(${p}::text[])`)
    .whereGiven(opts.dataset, (p) => `dataset_id = ${p}`)
    .whereGiven(opts.rule, (p) => `rule_id = ${p}`);
  const { clause: cond, params } = filter;
  const limit = opts.limit ?? 200;
  const offset = opts.offset ?? 0;
  const [rows, [{ n }]] = await Promise.all([
    db.sql.query<GrantRow>(`SELECT ${GRANT_COLUMNS} FROM data_grant ${cond} ORDER BY updated_at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
      ...params,
      limit,
      offset,
    ]),
    db.sql.query<{ n: number | string }>(`SELECT count(*) AS n FROM data_grant ${cond}`, params),
  ]);
  const names = await userNames(rows.map((r) => r.requested_by));
  return { total: Number(n), limit, offset, grants: rows.map((g) => ({ ...grantView(g), requestedByName: names.get(g.requested_by) ?? g.requested_by })) };
}

function assertMayView(user: User, g: GrantRow) {
  if (SEE_ALL.includes(user.role)) return;
  if (user.departmentId !== g.owner_department_id && user.departmentId !== g.grantee_department_id)
    throw new AppError("forbidden", `grant ${g.id} is not of ${user.departmentId}`, `grant ${g.id} is between other departments`);
}

/** One grant with its history: every request, approval, rejection, revocation and expiry with its ledger leaf. */
export async function getGrant(opts: { viewer: Viewer; grantId: string }) {
  const user = visibility(opts.viewer);
  const db = await getDb();
  const g = await selectGrant(db.sql, opts.grantId);
  assertMayView(user, g);
  const events = await db.sql.query<{ id: number; action: string; by_user: string; by_department: string | null; at: Date; terms: Record<string, unknown>; reason: string | null; leaf_index: number }>(
    `SELECT id, action, by_user, by_department, at, terms, reason, leaf_index FROM grant_event WHERE grant_id = $1 ORDER BY id`,
    [g.id],
  );
  const names = await userNames(events.map((e) => e.by_user));
  const requester = await userNames([g.requested_by]);
  return {
    grant: { ...grantView(g), requestedByName: requester.get(g.requested_by) ?? g.requested_by },
    history: events.map((e) => ({
      action: e.action,
      by: e.by_user,
      byName: names.get(e.by_user) ?? (e.by_user === "system" ? "system" : e.by_user),
      byDepartment: e.by_department,
      at: new Date(e.at).toISOString(),
      terms: e.terms,
      reason: e.reason,
      leafIndex: Number(e.leaf_index),
    })),
  };
}

async function userNames(ids: string[]): Promise<Map<string, string>> {
  const db = await getDb();
  if (ids.length === 0) return new Map();
  const rows = await db.sql.query<{ id: string; name: string; email: string }>(`SELECT id, name, email FROM auth_user WHERE id = ANY($1::text[])`, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, `${r.name} <${r.email}>`]));
}

/**
 * What needs the admin's action: requests for the department's data awaiting its decision,
 * and active grants to or from the department that end within GRANT_EXPIRING_SOON_HOURS
 * although they were granted for longer than that (one granted for 6 hours ends "soon" from
 * the start: that was the decision, not news). Other signed-in users get empty lists.
 */
export async function grantNotifications(opts: { viewer: Viewer; now?: Date }) {
  if (opts.viewer.kind !== "user") throw new AppError("unauthenticated", "sign in to see notifications", "sign in to see notifications");
  const user = opts.viewer;
  const windowHours = loadConfig().GRANT_EXPIRING_SOON_HOURS;
  if (user.role !== "dept_admin" && user.role !== "sysadmin") return { incoming: [], expiringSoon: [], windowHours };
  const db = await getDb();
  const now = opts.now ?? new Date();
  const soon = new Date(now.getTime() + windowHours * 3_600_000);
  const incoming = await db.sql.query<GrantRow>(
    `SELECT ${GRANT_COLUMNS} FROM data_grant WHERE owner_department_id = $1 AND status = 'requested' ORDER BY created_at DESC LIMIT 50`,
    [user.departmentId],
  );
  const expiring = await db.sql.query<GrantRow>(
    `SELECT ${GRANT_COLUMNS} FROM data_grant
      WHERE (owner_department_id = $1 OR grantee_department_id = $1) AND status = 'active' AND valid_until > $2 AND valid_until <= $3
        AND valid_until - GREATEST(valid_from, COALESCE(decided_at, valid_from)) > make_interval(secs => $4::float8)
      ORDER BY valid_until LIMIT 50`,
    [user.departmentId, now.toISOString(), soon.toISOString(), windowHours * 3600],
  );
  const names = await userNames(incoming.map((r) => r.requested_by));
  return {
    incoming: incoming.map((g) => ({ ...grantView(g), requestedByName: names.get(g.requested_by) ?? g.requested_by })),
    expiringSoon: expiring.map(grantView),
    windowHours,
  };
}
