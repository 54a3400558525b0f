import { getDb } from "../db/client";
import { AppError, notFound } from "../errors";
import type { Viewer } from "../access/viewer";
import { requireRole } from "../access/require-role";
import { isRole, type Role } from "../access/roles";
import { secondFactorState } from "../access/effective-role";
import { DEPARTMENTS } from "../city";
import { getAuth, oidcEnabled } from "./auth";
import { createUserWithPassword } from "./users";
import { recordAccountChange } from "./record-account-change";
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

/** A sysadmin creates an account with an initial password (sign-up is closed); an account.v1 "create" entry names the sysadmin. */
export async function createUser(opts: { viewer: Viewer; user: { email: string; name: string; departmentId: string; role: Role; password: string } }) {
  const me = requireRole(opts.viewer, ["sysadmin"], "manage users");
  const u = opts.user;
  if (!DEPARTMENTS.some((d) => d.id === u.departmentId)) throw notFound("department", u.departmentId);
  const db = await getDb();
  const taken = () => new AppError("conflict", `email ${u.email} is taken`, `an account with email ${u.email} exists`);
  if ((await db.sql.query(`SELECT 1 FROM auth_user WHERE email = $1`, [u.email.toLowerCase()])).length) throw taken();
  let id: string;
  try {
    ({ id } = await createUserWithPassword(await getAuth(), u, { userId: me.userId, departmentId: me.departmentId }));
  } catch (e) {
    // Another request took the address between the check and the insert.
    if ((e as { code?: unknown }).code === "23505") throw taken();
    throw e;
  }
  const [row] = await db.sql.query<UserRow>(`SELECT id, name, email, department_id, role, disabled, two_factor_enabled, created_at FROM auth_user WHERE id = $1`, [id]);
  return { user: view(row) };
}

/**
 * A sysadmin changes an account's role or department, or disables or re-enables it. Each
 * change is an account.v1 "change" entry written in the transaction that changes the row (a
 * request that changes nothing writes none). Nobody changes their own role or department, nor
 * disables their own account: a 403 naming the field. A disabled account's sessions are ended
 * at once; role and department changes take effect on the account's next request (sessions
 * are read from the database on every request).
 */
export async function updateUser(opts: { viewer: Viewer; userId: string; change: { role?: Role; departmentId?: string; disabled?: boolean }; now?: Date }) {
  const me = requireRole(opts.viewer, ["sysadmin"], "manage users");
  const c = opts.change;
  if (c.departmentId && !DEPARTMENTS.some((d) => d.id === c.departmentId)) throw notFound("department", c.departmentId);
  const db = await getDb();
  const row = await db.sql.transaction(async (tx) => {
    const [cur] = await tx.query<UserRow>(`SELECT id, department_id, role, disabled FROM auth_user WHERE id = $1 FOR UPDATE`, [opts.userId]);
    if (!cur) throw notFound("user", opts.userId);
    const next = { role: c.role ?? cur.role, departmentId: c.departmentId ?? cur.department_id, disabled: c.disabled ?? cur.disabled };
    if (opts.userId === me.userId) {
      const own = (field: string, what: string) => new AppError("forbidden", `${field}: ${me.userId} may not ${what}`, `${field}: nobody may ${what}`, { field });
      if (next.role !== cur.role) throw own("role", "change their own role");
      if (next.departmentId !== cur.department_id) throw own("departmentId", "change their own department");
      if (next.disabled && !cur.disabled) throw own("disabled", "disable their own account");
    }
    const [u] = await tx.query<UserRow>(
      `UPDATE auth_user SET role = $2, department_id = $3, disabled = $4, updated_at = CASE WHEN role = $2 AND department_id = $3 AND disabled = $4 THEN updated_at ELSE now() END
        WHERE id = $1 RETURNING id, name, email, department_id, role, disabled, two_factor_enabled, created_at`,
      [opts.userId, next.role, next.departmentId, next.disabled],
    );
    if (next.role !== cur.role || next.departmentId !== cur.department_id || next.disabled !== cur.disabled) {
      await recordAccountChange(tx, { userId: opts.userId, ...next }, "change", { userId: me.userId, departmentId: me.departmentId }, opts.now ?? new Date());
    }
    if (next.disabled && !cur.disabled) await tx.query(`DELETE FROM auth_session WHERE user_id = $1`, [opts.userId]);
    return u;
  });
  return { user: view(row) };
}
