/** The console's roles. Every user holds exactly one, in exactly one department. */
export const ROLES = ["official", "dept_admin", "auditor", "sysadmin"] as const;
export type Role = (typeof ROLES)[number];

/** Roles whose sign-in must pass a second factor (TOTP, or a trusted identity provider's MFA). */
export const MFA_ROLES: readonly Role[] = ["dept_admin", "sysadmin"];

export function isRole(v: unknown): v is Role {
  return typeof v === "string" && (ROLES as readonly string[]).includes(v);
}
