import { AppError } from "../errors";
import { loadConfig } from "../config";
import { MFA_ROLES, type Role } from "./roles";

/** What a session's sign-in allows: the role it acts with, whether a second factor is owed, and whether it may read data. */
export type SecondFactorState = { role: Role; needsTwoFactor: boolean; readsData: boolean };

/**
 * Pure: dept_admin and sysadmin need a second factor: a session authenticated by password and
 * TOTP ("pwd+totp"), or by OIDC when the identity provider's own MFA is trusted. Without one
 * they act as officials of their department until they set up or pass two-factor sign-in.
 * With `requireTotpAll` every role's password-only session ("pwd") owes the second factor
 * and reads no data until it passes (it may still enrol a TOTP through Better Auth).
 */
export function secondFactorState(role: Role, amr: string, oidcMfaTrusted: boolean, requireTotpAll: boolean): SecondFactorState {
  // An OIDC session is not password-only: the identity provider decides how its users sign in.
  if (requireTotpAll && amr !== "pwd+totp" && amr !== "oidc") {
    return { role: MFA_ROLES.includes(role) ? "official" : role, needsTwoFactor: true, readsData: false };
  }
  if (!MFA_ROLES.includes(role)) return { role, needsTwoFactor: false, readsData: true };
  const passed = amr === "pwd+totp" || (amr === "oidc" && oidcMfaTrusted);
  return passed ? { role, needsTwoFactor: false, readsData: true } : { role: "official", needsTwoFactor: true, readsData: true };
}

/** The 403 a session gets while it owes the second factor that REQUIRE_TOTP_ALL asks of every role. */
export const secondFactorRequired = () =>
  new AppError(
    "forbidden",
    "REQUIRE_TOTP_ALL: this session signed in with a password only and has not passed its second factor",
    "complete two-factor sign-in (a TOTP code, or set one up at /sign-in) before reading data",
  );

/**
 * The role a session may act with (secondFactorState under this console's OIDC_MFA_TRUSTED
 * and REQUIRE_TOTP_ALL settings). A session that may read no data until it passes its second
 * factor is refused here with a 403 saying so: every request that asks who its viewer is
 * (lib/access/viewer.ts) is refused, while Better Auth's own endpoints (sign-out, two-factor
 * enrolment and verification) and /api/auth/me, which do not ask, keep working.
 */
export function effectiveRole(role: Role, amr: string, oidcMfaTrusted: boolean, requireTotpAll = loadConfig().REQUIRE_TOTP_ALL): { role: Role; needsTwoFactor: boolean } {
  const s = secondFactorState(role, amr, oidcMfaTrusted, requireTotpAll);
  if (!s.readsData) throw secondFactorRequired();
  return { role: s.role, needsTwoFactor: s.needsTwoFactor };
}
