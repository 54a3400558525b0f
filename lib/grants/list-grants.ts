import { getDb } from "../db/client";
import { AppError } from "../errors";
import type { Viewer } from "../access/viewer";
import { requireRole } from "../access/require-role";
import { loadConfig } from "../config";
import { GRANT_COLUMNS, grantView, selectGrant, type GrantRow, type GrantStatus } from "./grant-row";

type User = Extract<Viewer, { kind: "user" }>;
const SEE_ALL = ["auditor", "sysadmin"];

/** Who may see grants: admins of the owner or grantee department; auditors and sysadmins see all. */
function visibility(viewer: Viewer) {
  return requireRole(viewer, ["dept_admin", "sysadmin", "auditor"], "see data grants");
}

/**
 * Grants the viewer may see: for a department admin those on its datasets ("incoming",
 * including requests awaiting its decision) and those its department holds or asked for
 * ("outgoing"); auditors and sysadmins see every department's. Newest change first.
 */
export async function listGrants(opts: { viewer: Viewer; direction?: "incoming" | "outgoing" | "all"; status?: GrantStatus; dataset?: string; limit?: number }) {
  const user = visibility(opts.viewer);
  const db = await getDb();
  const where: string[] = [];
  const params: unknown[] = [];
  const dir = opts.direction ?? "all";
  if (!SEE_ALL.includes(user.role) || dir !== "all") {
    params.push(user.departmentId);
    const p = `$${params.length}`;
    where.push(dir === "incoming" ? `owner_department_id = ${p}` : dir === "outgoing" ? `grantee_department_id = ${p}` : `(owner_department_id = ${p} OR grantee_department_id = ${p})`);
  }
  if (opts.status) {
    params.push(opts.status);
    where.push(`status = $${params.length}`);
  }
  if (opts.dataset) {
    params.push(opts.dataset);
    where.push(`dataset_id = $${params.length}`);
  }
  params.push(opts.limit ?? 200);
  const rows = await db.sql.query<GrantRow>(
    `SELECT ${GRANT_COLUMNS} FROM data_grant ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY updated_at DESC, id LIMIT $${params.length}`,
    params,
  );
  return { grants: rows.map(grantView) };
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
  return {
    grant: grantView(g),
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
  const rows = await db.sql.query<{ id: string; name: string; email: string }>(`SELECT id, name, email FROM auth_user WHERE id = ANY($1::text[])`, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.id, `${r.name} <${r.email}>`]));
}

/**
 * What an admin should look at: requests for the department's data awaiting a decision,
 * and active grants to or from the department that end within GRANT_EXPIRING_SOON_HOURS.
 * Other signed-in users get empty lists.
 */
export async function grantNotifications(opts: { viewer: Viewer; now?: Date }) {
  if (opts.viewer.kind !== "user") throw new AppError("unauthenticated", "sign in to see notifications", "sign in to see notifications");
  const user = opts.viewer;
  if (user.role !== "dept_admin" && user.role !== "sysadmin") return { incoming: [], expiringSoon: [] };
  const db = await getDb();
  const now = opts.now ?? new Date();
  const soon = new Date(now.getTime() + loadConfig().GRANT_EXPIRING_SOON_HOURS * 3_600_000);
  const incoming = await db.sql.query<GrantRow>(
    `SELECT ${GRANT_COLUMNS} FROM data_grant WHERE owner_department_id = $1 AND status = 'requested' ORDER BY created_at DESC LIMIT 50`,
    [user.departmentId],
  );
  const expiring = await db.sql.query<GrantRow>(
    `SELECT ${GRANT_COLUMNS} FROM data_grant
      WHERE (owner_department_id = $1 OR grantee_department_id = $1) AND status = 'active' AND valid_until > $2 AND valid_until <= $3
      ORDER BY valid_until LIMIT 50`,
    [user.departmentId, now.toISOString(), soon.toISOString()],
  );
  return { incoming: incoming.map(grantView), expiringSoon: expiring.map(grantView) };
}
