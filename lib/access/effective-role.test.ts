import { describe, expect, it } from "vitest";
import { effectiveRole, secondFactorState } from "./effective-role";
import type { Role } from "./roles";

const ROLES: Role[] = ["official", "auditor", "dept_admin", "sysadmin"];
const admin = (r: Role) => r === "dept_admin" || r === "sysadmin";

describe("effective role", () => {
  it.each(ROLES)("without REQUIRE_TOTP_ALL: %s", (role) => {
    expect(secondFactorState(role, "pwd+totp", false, false)).toEqual({ role, needsTwoFactor: false, readsData: true });
    // A password-only session: admins act as officials until they pass TOTP; others are as they are.
    expect(secondFactorState(role, "pwd", false, false)).toEqual(admin(role) ? { role: "official", needsTwoFactor: true, readsData: true } : { role, needsTwoFactor: false, readsData: true });
    expect(secondFactorState(role, "oidc", true, false)).toEqual({ role, needsTwoFactor: false, readsData: true });
    expect(secondFactorState(role, "oidc", false, false).role).toBe(admin(role) ? "official" : role);
    expect(effectiveRole(role, "pwd", false, false)).toEqual({ role: admin(role) ? "official" : role, needsTwoFactor: admin(role) });
  });

  it.each(ROLES)("with REQUIRE_TOTP_ALL a password-only %s session owes the second factor and reads no data", (role) => {
    expect(secondFactorState(role, "pwd", false, true)).toEqual({ role: admin(role) ? "official" : role, needsTwoFactor: true, readsData: false });
    expect(() => effectiveRole(role, "pwd", false, true)).toThrow(expect.objectContaining({ code: "forbidden", userMessage: expect.stringMatching(/complete two-factor sign-in/) }));
    // Passing TOTP gives the full role and data.
    expect(secondFactorState(role, "pwd+totp", false, true)).toEqual({ role, needsTwoFactor: false, readsData: true });
    expect(effectiveRole(role, "pwd+totp", false, true)).toEqual({ role, needsTwoFactor: false });
  });

  it("with REQUIRE_TOTP_ALL an OIDC session is not password-only: trusted MFA passes, otherwise admins act as officials as before", () => {
    expect(secondFactorState("official", "oidc", false, true)).toEqual({ role: "official", needsTwoFactor: false, readsData: true });
    expect(secondFactorState("sysadmin", "oidc", true, true)).toEqual({ role: "sysadmin", needsTwoFactor: false, readsData: true });
    expect(secondFactorState("dept_admin", "oidc", false, true)).toEqual({ role: "official", needsTwoFactor: true, readsData: true });
  });
});
