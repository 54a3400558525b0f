import { getDb } from "../db/client";
import { AppError, badRequest, notFound } from "../errors";
import type { Viewer } from "../access/viewer";
import { requireRole } from "../access/require-role";
import { isRole, type Role } from "../access/roles";
import { secondFactorState } from "../access/effective-role";
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

/**
 * The signed-in user as the header and sign-in page show them (effective role, whether a second
 * factor is owed, whether TOTP is enabled, whether the session may read data), and whether
 * single sign-on is offered. Read from the session directly, not through viewerFromRequest: a
 * session that owes the second factor REQUIRE_TOTP_ALL asks for is refused there, but must
 * still learn what it owes and enrol.
 */
export async function getMe(opts: { headers: Headers }) {
  const config = loadConfig();
  const sso = oidcEnabled(config) ? { name: config.OIDC_PROVIDER_NAME } : null;
  const found = await (await getAuth()).api.getSession({ headers: opts.headers, query: { disableCookieCache: true } });
  const u = found?.user as (NonNullable<typeof found>["user"] & { departmentId?: unknown; role?: unknown; disabled?: unknown; twoFactorEnabled?: unknown }) | undefined;
  if (!found || !u || u.disabled === true || typeof u.departmentId !== "string" || !isRole(u.role)) return { signedIn: false as const, sso };
  const amr = (found.session as { amr?: string | null }).amr ?? "pwd";
  const s = secondFactorState(u.role, amr, config.OIDC_MFA_TRUSTED, config.REQUIRE_TOTP_ALL);
  return {
    signedIn: true as const,
    sso,
    user: { id: u.id, name: u.name ?? "", email: u.email ?? "", departmentId: u.departmentId, role: s.role, needsTwoFactor: s.needsTwoFactor, twoFactorEnabled: u.twoFactorEnabled === true, readsData: s.readsData },
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
