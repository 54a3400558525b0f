import crypto from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { getDb } from "../db/client";
import { recordAccountChange, SYSTEM_ACCOUNT_ACTOR, type AccountActor } from "./record-account-change";
import type { Auth } from "./auth";
import type { Role } from "../access/roles";

export type NewUser = { email: string; name: string; departmentId: string; role: Role; password: string };

/**
 * Creates a console user with a password (sign-up is closed: only the seed and sysadmins make
 * accounts). The account row, its credential and its account.v1 "create" entry are written in
 * one transaction, so no account exists that the ledger does not show. `actor` is who made it
 * (the seed: "system").
 */
export async function createUserWithPassword(auth: Auth, u: NewUser, actor: AccountActor = SYSTEM_ACCOUNT_ACTOR): Promise<{ id: string }> {
  const ctx = await auth.$context;
  const hash = await ctx.password.hash(u.password);
  const id = crypto.randomUUID();
  const at = new Date();
  const db = await getDb();
  await db.sql.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO auth_user (id, name, email, email_verified, department_id, role, disabled, created_at, updated_at) VALUES ($1, $2, $3, true, $4, $5, false, $6, $6)`,
      [id, u.name, u.email.toLowerCase(), u.departmentId, u.role, at.toISOString()],
    );
    await tx.query(
      `INSERT INTO auth_account (id, account_id, provider_id, user_id, password, created_at, updated_at) VALUES ($1, $2, 'credential', $2, $3, $4, $4)`,
      [crypto.randomUUID(), id, hash, at.toISOString()],
    );
    await recordAccountChange(tx, { userId: id, departmentId: u.departmentId, role: u.role, disabled: false }, "create", actor, at);
  });
  return { id };
}

/** Deletes an account (its sessions, credentials and second factor go with it), ledgered as an account.v1 "delete" entry. */
export async function deleteUserAccount(userId: string, actor: AccountActor = SYSTEM_ACCOUNT_ACTOR): Promise<void> {
  const db = await getDb();
  await db.sql.transaction(async (tx) => {
    const [u] = await tx.query<{ department_id: string; role: Role; disabled: boolean }>(`SELECT department_id, role, disabled FROM auth_user WHERE id = $1 FOR UPDATE`, [userId]);
    if (!u) return;
    await recordAccountChange(tx, { userId, departmentId: u.department_id, role: u.role, disabled: u.disabled }, "delete", actor, new Date());
    await tx.query(`DELETE FROM auth_user WHERE id = $1`, [userId]);
  });
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
