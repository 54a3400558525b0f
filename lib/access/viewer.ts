import { getAuth } from "../auth/auth";
import { loadConfig } from "../config";
import { assertSameOrigin } from "./same-origin";
import { effectiveRole } from "./effective-role";
import { isRole, type Role } from "./roles";

/**
 * Who is reading. Guests may read only datasets whose sensitivity is "public". A user's
 * role is the effective one: a dept_admin or sysadmin whose session did not pass a second
 * factor acts as an official until it does (`needsTwoFactor`).
 */
export type Viewer =
  | { kind: "guest" }
  | {
      kind: "user";
      userId: string;
      departmentId: string;
      role: Role;
      name?: string;
      email?: string;
      /** The account's role needs a second factor this session has not passed. */
      needsTwoFactor?: boolean;
    };

const SESSION_COOKIE = /(?:^|;\s*)(?:__Secure-)?citybrain\.session_token=/;

/**
 * The viewer of a request, from its session cookie through Better Auth, read from the
 * database on every request (no cached authorisation: logout, revocation, role changes
 * and disabling take effect on the next request). It never trusts ids sent by the client.
 * A state-changing request (not GET/HEAD/OPTIONS) from another origin is refused with 403
 * before anything else (CSRF).
 */
export async function viewerFromRequest(req: Request): Promise<Viewer> {
  assertSameOrigin(req, loadConfig());
  const cookie = req.headers.get("cookie");
  if (!cookie || !SESSION_COOKIE.test(cookie)) return { kind: "guest" };
  const auth = await getAuth();
  const found = await auth.api.getSession({ headers: req.headers, query: { disableCookieCache: true } });
  if (!found) return { kind: "guest" };
  const u = found.user as typeof found.user & { departmentId?: unknown; role?: unknown; disabled?: unknown };
  if (u.disabled === true || typeof u.departmentId !== "string" || !isRole(u.role)) return { kind: "guest" };
  const amr = (found.session as { amr?: string | null }).amr ?? "pwd";
  const { role, needsTwoFactor } = effectiveRole(u.role, amr, loadConfig().OIDC_MFA_TRUSTED);
  return {
    kind: "user",
    userId: u.id,
    departmentId: u.departmentId,
    role,
    name: u.name,
    email: u.email,
    ...(needsTwoFactor ? { needsTwoFactor } : {}),
  };
}
