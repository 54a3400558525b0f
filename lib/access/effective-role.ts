import { MFA_ROLES, type Role } from "./roles";

/**
 * The role a session may act with. dept_admin and sysadmin need a second factor: a session
 * authenticated by password and TOTP ("pwd+totp"), or by OIDC when the identity provider's
 * own MFA is trusted. Without one they act as officials of their department until they set
 * up or pass two-factor sign-in.
 */
export function effectiveRole(role: Role, amr: string, oidcMfaTrusted: boolean): { role: Role; needsTwoFactor: boolean } {
  if (!MFA_ROLES.includes(role)) return { role, needsTwoFactor: false };
  const passed = amr === "pwd+totp" || (amr === "oidc" && oidcMfaTrusted);
  return passed ? { role, needsTwoFactor: false } : { role: "official", needsTwoFactor: true };
}
