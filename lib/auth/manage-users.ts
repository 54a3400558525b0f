import { getDb } from "../db/client";
import { AppError, badRequest, notFound } from "../errors";
import type { Viewer } from "../access/viewer";
import { requireRole } from "../access/require-role";
import type { Role } from "../access/roles";
import { DEPARTMENTS } from "../city";
import { getAuth, oidcEnabled } from "./auth";
import { createUserWithPassword } from "./users";
import { loadConfig } from "../config";

type UserRow = { id: string; name: string; email: string; department_id: string; role: Role; disabled: boolean; two_factor_enabled: boolean | null; created_at: Date };

const view = (u: UserRow) => ({
  id: u.id,
  name: u.name,
  email: u.email,
  departmentId: u.department_id,
  role: u.role,
  disabled: u.disabled,
  twoFactorEnabled: !!u.two_factor_enabled,
  createdAt: new Date(u.created_at).toISOString(),
});

/** The signed-in viewer as the header shows it, and whether single sign-on is offered. */
export async function getMe(opts: { viewer: Viewer }) {
  const sso = oidcEnabled(loadConfig()) ? { name: loadConfig().OIDC_PROVIDER_NAME } : null;
  if (opts.viewer.kind !== "user") return { signedIn: false as const, sso };
  const v = opts.viewer;
  return {
    signedIn: true as const,
    sso,
    user: { id: v.userId, name: v.name ?? "", email: v.email ?? "", departmentId: v.departmentId, role: v.role, needsTwoFactor: !!v.needsTwoFactor },
  };
}

/** Every console user (sysadmins). */
export async function listUsers(opts: { viewer: Viewer }) {
  requireRole(opts.viewer, ["sysadmin"], "manage users");
  const db = await getDb();
  const rows = await db.sql.query<UserRow>(`SELECT id, name, email, department_id, role, disabled, two_factor_enabled, created_at FROM auth_user ORDER BY department_id, role, email`);
  return { users: rows.map(view) };
}

/** A sysadmin creates an account with an initial password (sign-up is closed). */
export async function createUser(opts: { viewer: Viewer; user: { email: string; name: string; departmentId: string; role: Role; password: string } }) {
  requireRole(opts.viewer, ["sysadmin"], "manage users");
  const u = opts.user;
  if (!DEPARTMENTS.some((d) => d.id === u.departmentId)) throw notFound("department", u.departmentId);
  const db = await getDb();
  const taken = await db.sql.query(`SELECT 1 FROM auth_user WHERE email = $1`, [u.email.toLowerCase()]);
  if (taken.length) throw new AppError("conflict", `email ${u.email} is taken`, `an account with email ${u.email} exists`);
  const { id } = await createUserWithPassword(await getAuth(), u);
  const [row] = await db.sql.query<UserRow>(`SELECT id, name, email, department_id, role, disabled, two_factor_enabled, created_at FROM auth_user WHERE id = $1`, [id]);
  return { user: view(row) };
}

/**
 * A sysadmin changes an account's role or department, or disables or re-enables it. A
 * disabled account's sessions are ended at once; role and department changes take effect
 * on the account's next request (sessions are read from the database on every request).
 */
export async function updateUser(opts: { viewer: Viewer; userId: string; change: { role?: Role; departmentId?: string; disabled?: boolean } }) {
  const me = requireRole(opts.viewer, ["sysadmin"], "manage users");
  const c = opts.change;
  if (c.departmentId && !DEPARTMENTS.some((d) => d.id === c.departmentId)) throw notFound("department", c.departmentId);
  if (opts.userId === me.userId && (c.disabled || (c.role && c.role !== "sysadmin"))) throw badRequest("userId: a sysadmin may not disable or demote their own account");
  const db = await getDb();
  const row = await db.sql.transaction(async (tx) => {
    const [cur] = await tx.query<UserRow>(`SELECT id FROM auth_user WHERE id = $1 FOR UPDATE`, [opts.userId]);
    if (!cur) throw notFound("user", opts.userId);
    const [u] = await tx.query<UserRow>(
      `UPDATE auth_user SET role = coalesce($2, role), department_id = coalesce($3, department_id), disabled = coalesce($4, disabled), updated_at = now()
        WHERE id = $1 RETURNING id, name, email, department_id, role, disabled, two_factor_enabled, created_at`,
      [opts.userId, c.role ?? null, c.departmentId ?? null, c.disabled ?? null],
    );
    if (c.disabled) await tx.query(`DELETE FROM auth_session WHERE user_id = $1`, [opts.userId]);
    return u;
  });
  return { user: view(row) };
}
