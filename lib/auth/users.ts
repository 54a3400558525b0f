import { Secret, TOTP } from "otpauth";
import type { Auth } from "./auth";
import type { Role } from "../access/roles";

export type NewUser = { email: string; name: string; departmentId: string; role: Role; password: string };

/** Creates a console user with a password (sign-up is closed: only the seed and sysadmins make accounts). */
export async function createUserWithPassword(auth: Auth, u: NewUser): Promise<{ id: string }> {
  const ctx = await auth.$context;
  const hash = await ctx.password.hash(u.password);
  const user = await ctx.internalAdapter.createUser(
    { email: u.email.toLowerCase(), name: u.name, emailVerified: true, departmentId: u.departmentId, role: u.role, disabled: false },
    { method: "admin" },
  );
  await ctx.internalAdapter.linkAccount({ providerId: "credential", accountId: user.id, password: hash, userId: user.id });
  return { id: user.id };
}

/** The cookie header a server-side Better Auth call answered with (Set-Cookie → Cookie). */
function cookieHeader(setCookies: string[]): string {
  return setCookies.map((c) => c.split(";")[0]).join("; ");
}

/** The base32 secret in an otpauth:// URI. */
export function totpSecretOfUri(uri: string): string {
  const secret = new URL(uri).searchParams.get("secret");
  if (!secret) throw new Error("TOTP URI has no secret");
  return secret;
}

/** The current 6-digit TOTP code of a base32 secret (30 s period, SHA-1: what authenticator apps use). */
export function totpCode(base32Secret: string, at = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(base32Secret), digits: 6, period: 30, algorithm: "SHA1" }).generate({ timestamp: at });
}

/**
 * Turns on TOTP two-factor sign-in for an account through Better Auth's own endpoints, as
 * the user would in the browser (sign in, enable, prove a code), and returns the base32
 * secret an authenticator app would hold. The sessions it made are ended.
 */
export async function enrollTotp(auth: Auth, email: string, password: string): Promise<string> {
  const signIn = await auth.api.signInEmail({ body: { email, password }, returnHeaders: true });
  const headers = new Headers({ cookie: cookieHeader(signIn.headers.getSetCookie()) });
  const enabled = await auth.api.enableTwoFactor({ body: { password }, headers });
  if (!("totpURI" in enabled) || !enabled.totpURI) throw new Error("two-factor enable gave no TOTP URI");
  const secret = totpSecretOfUri(enabled.totpURI);
  await auth.api.verifyTOTP({ body: { code: totpCode(secret) }, headers });
  const ctx = await auth.$context;
  const user = await ctx.internalAdapter.findUserByEmail(email);
  if (user) await ctx.internalAdapter.deleteUserSessions(user.user.id);
  return secret;
}
