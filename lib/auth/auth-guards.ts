import { APIError, createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import type { PrismaClient } from "../db/generated/prisma/client";
import type { Config } from "../config";
import { clientAddress, parseTrustedProxies } from "../http/client-address";
import { SignInLimiter } from "./sign-in-limiter";

export type GuardConfig = Pick<Config, "SIGNIN_MAX_FAILURES" | "SIGNIN_WINDOW_SECONDS" | "SIGNIN_MAX_PER_MINUTE" | "TRUSTED_PROXIES">;

/** The answer to every Better Auth request of a disabled account. */
export const ACCOUNT_DISABLED = { code: "ACCOUNT_DISABLED", message: "this account is disabled; ask a system administrator of your department" } as const;

/** Is this Better Auth path a sign-in attempt the limiter counts (password or second factor)? */
export function isSignInAttempt(method: string | undefined, path: string | undefined): boolean {
  return method === "POST" && !!path && (path === "/sign-in/email" || path.startsWith("/two-factor/verify"));
}

/** The account a sign-in attempt is for: the e-mail Better Auth itself parsed (JSON or form body). */
export function attemptAccount(path: string, body: unknown, address: string): string {
  if (path !== "/sign-in/email") return `second-factor@${address}`;
  const email = (body as { email?: unknown } | null | undefined)?.email;
  return typeof email === "string" && email.trim() ? email.trim().toLowerCase().slice(0, 320) : `unknown@${address}`;
}

/** Is the user row disabled? (Read from the database, never from a cached session.) */
export async function userDisabled(prisma: PrismaClient, userId: string): Promise<boolean> {
  const u = await prisma.user.findUnique({ where: { id: userId }, select: { disabled: true } });
  return u?.disabled === true;
}

/**
 * Better Auth hooks that guard every endpoint, whatever the body's content type (Better Auth
 * parses JSON and form bodies alike; these read what it parsed):
 * - sign-in attempts (password and TOTP) go through one SignInLimiter keyed on the parsed
 *   e-mail and the client's address (X-Forwarded-For believed only from TRUSTED_PROXIES):
 *   429 with Retry-After;
 * - a request carrying the session of a disabled account is refused with 403 on every
 *   endpoint but sign-out (sessions are also refused at creation, see createAuth).
 * Server-side calls (auth.api.* without a request) are not limited.
 */
export function authGuards(config: GuardConfig, prisma: PrismaClient) {
  const trusted = parseTrustedProxies(config.TRUSTED_PROXIES);
  const limiter = new SignInLimiter({
    maxFailures: config.SIGNIN_MAX_FAILURES,
    windowMs: config.SIGNIN_WINDOW_SECONDS * 1000,
    maxPerMinute: config.SIGNIN_MAX_PER_MINUTE,
  });
  const before = createAuthMiddleware(async (ctx) => {
    const req = ctx.request;
    if (!req) return;
    if (isSignInAttempt(req.method, ctx.path)) {
      const address = clientAddress(req, trusted);
      const wait = limiter.check(address, attemptAccount(ctx.path, ctx.body, address));
      if (wait > 0) {
        throw new APIError("TOO_MANY_REQUESTS", { code: "TOO_MANY_ATTEMPTS", message: `too many sign-in attempts; try again in ${wait} s` }, { "retry-after": String(wait) });
      }
    }
    if (ctx.path !== "/sign-out" && /(?:^|;\s*)(?:__Secure-)?citybrain\.session_token=/.test(req.headers.get("cookie") ?? "")) {
      const found = await getSessionFromCtx(ctx).catch(() => null);
      if (found && (await userDisabled(prisma, found.user.id))) throw new APIError("FORBIDDEN", ACCOUNT_DISABLED);
    }
  });
  const after = createAuthMiddleware(async (ctx) => {
    const req = ctx.request;
    if (!req || !isSignInAttempt(req.method, ctx.path)) return;
    const address = clientAddress(req, trusted);
    const account = attemptAccount(ctx.path, ctx.body, address);
    const returned = ctx.context.returned as { statusCode?: unknown } | undefined;
    const status = returned instanceof Error && typeof returned.statusCode === "number" ? returned.statusCode : 200;
    if (status === 429) return;
    if (status >= 400 && status < 500) limiter.failed(address, account);
    else if (status < 400) limiter.succeeded(address, account);
  });
  return { before, after };
}
