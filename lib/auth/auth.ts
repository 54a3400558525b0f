import crypto from "node:crypto";
import { betterAuth } from "better-auth";
import { APIError } from "better-auth/api";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { genericOAuth, twoFactor } from "better-auth/plugins";
import type { PrismaClient } from "../db/generated/prisma/client";
import { getDb } from "../db/client";
import { loadConfig, type Config } from "../config";
import { loadOrCreateSecret } from "../secrets";
import { DEPARTMENTS } from "../city";
import { ROLES } from "../access/roles";
import { ledgerAccountMadeElsewhere } from "./record-account-change";
import { ACCOUNT_DISABLED, authGuards, userDisabled, type GuardConfig } from "./auth-guards";

// No request may leave the machine: Better Auth's telemetry stays off whatever the environment says.
process.env.BETTER_AUTH_TELEMETRY = "0";

export type AuthConfig = GuardConfig &
  Pick<
  Config,
  | "HOST"
  | "PORT"
  | "AUTH_URL"
  | "AUTH_TRUSTED_ORIGINS"
  | "OIDC_DISCOVERY_URL"
  | "OIDC_CLIENT_ID"
  | "OIDC_CLIENT_SECRET"
  | "OIDC_PROVIDER_NAME"
  | "OIDC_DEPARTMENT_CLAIM"
  | "OIDC_DEFAULT_DEPARTMENT"
>;

/** Departments of people signing in by OIDC for the first time, by email, until their account is made. */
const pendingSsoDepartments = new Map<string, string>();

/** The provider id of the optional OIDC single sign-on. */
export const OIDC_PROVIDER_ID = "oidc";

/** How a session was authenticated, stored on the session row (amr). */
export type SessionAmr = "pwd" | "pwd+totp" | "oidc";

/** The console's public URL: AUTH_URL, or http://HOST:PORT (localhost for a wildcard host). */
export function authBaseUrl(config: Pick<Config, "HOST" | "PORT" | "AUTH_URL">): string {
  if (config.AUTH_URL) return config.AUTH_URL.replace(/\/$/, "");
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST.includes(":") ? `[${config.HOST}]` : config.HOST;
  return `http://${host}:${config.PORT}`;
}

/** The request's own origin, from its Host header (what a same-origin browser request sends as Origin). */
export function requestOrigin(req: Request): string | null {
  const host = req.headers.get("host");
  if (!host) return null;
  const proto = new URL(req.url).protocol;
  return `${proto}//${host}`;
}

/** Origins allowed to make state-changing requests: the console's URL, the request's own origin, AUTH_TRUSTED_ORIGINS. */
export function trustedOrigins(config: AuthConfig, req?: Request): string[] {
  const extra = (config.AUTH_TRUSTED_ORIGINS ?? "")
    .split(",")
    .map((s) => s.trim().replace(/\/$/, ""))
    .filter(Boolean);
  const own = req ? requestOrigin(req) : null;
  return [authBaseUrl(config), ...(own ? [own] : []), ...extra];
}

/** OIDC single sign-on is on when both its discovery URL and client id are configured. */
export function oidcEnabled(config: Pick<Config, "OIDC_DISCOVERY_URL" | "OIDC_CLIENT_ID">): boolean {
  return !!(config.OIDC_DISCOVERY_URL && config.OIDC_CLIENT_ID);
}

/**
 * The department a new OIDC user joins: the configured claim when it names a department,
 * else OIDC_DEFAULT_DEPARTMENT. Throws when neither does, so unknown people are not let in.
 */
export function departmentFromClaims(config: Pick<Config, "OIDC_DEPARTMENT_CLAIM" | "OIDC_DEFAULT_DEPARTMENT">, profile: Record<string, unknown>): string {
  const claimed = profile[config.OIDC_DEPARTMENT_CLAIM];
  const known = new Set<string>(DEPARTMENTS.map((d) => d.id));
  if (typeof claimed === "string" && known.has(claimed)) return claimed;
  if (config.OIDC_DEFAULT_DEPARTMENT && known.has(config.OIDC_DEFAULT_DEPARTMENT)) return config.OIDC_DEFAULT_DEPARTMENT;
  throw new Error(`OIDC profile has no known department in claim "${config.OIDC_DEPARTMENT_CLAIM}" and OIDC_DEFAULT_DEPARTMENT is not set`);
}

/** Which authentication a session-creating endpoint path stands for. */
export function amrOfPath(path: string | undefined): SessionAmr {
  if (!path) return "pwd";
  if (path.startsWith("/two-factor/verify")) return "pwd+totp";
  if (path.startsWith("/callback/") || path.startsWith("/oauth2/callback")) return "oidc";
  return "pwd";
}

/**
 * Builds the console's Better Auth instance: email and password sign-in (sign-up closed:
 * accounts are made by the seed or a sysadmin), TOTP two-factor, optional OIDC single
 * sign-on from the environment, sessions in the database (so revocation, role changes and
 * disabling take effect on the next request), httpOnly SameSite=Lax cookies that are
 * Secure when the console is served over https, and no telemetry.
 */
export function createAuth(opts: { prisma: PrismaClient; secret: string; config: AuthConfig }) {
  const { config } = opts;
  const baseURL = authBaseUrl(config);
  const guards = authGuards(config, opts.prisma);
  const plugins = [
    twoFactor({ issuer: "City Brain", totpOptions: { digits: 6, period: 30 } }),
    ...(oidcEnabled(config)
      ? [
          genericOAuth({
            config: [
              {
                providerId: OIDC_PROVIDER_ID,
                name: config.OIDC_PROVIDER_NAME,
                discoveryUrl: config.OIDC_DISCOVERY_URL!,
                clientId: config.OIDC_CLIENT_ID!,
                clientSecret: config.OIDC_CLIENT_SECRET,
                scopes: ["openid", "email", "profile"],
                pkce: true,
                // Better Auth does not take server-only fields (departmentId) from a provider
                // profile, so the department is kept here for the user.create hook below.
                mapProfileToUser: (profile) => {
                  const p = profile as Record<string, unknown>;
                  if (pendingSsoDepartments.size > 10_000) pendingSsoDepartments.clear(); // returning users never consume theirs
                  if (typeof p.email === "string") pendingSsoDepartments.set(p.email.toLowerCase(), departmentFromClaims(config, p));
                  return {};
                },
              },
            ],
          }),
        ]
      : []),
  ];
  return betterAuth({
    appName: "City Brain",
    baseURL,
    basePath: "/api/auth",
    secret: opts.secret,
    database: prismaAdapter(opts.prisma, { provider: "postgresql" }),
    telemetry: { enabled: false },
    trustedOrigins: (req) => trustedOrigins(config, req),
    emailAndPassword: { enabled: true, disableSignUp: true, minPasswordLength: 12, maxPasswordLength: 128 },
    user: {
      additionalFields: {
        departmentId: { type: "string", required: false, input: false },
        role: { type: [...ROLES], required: true, defaultValue: "official", input: false },
        disabled: { type: "boolean", required: false, defaultValue: false, input: false },
      },
    },
    session: {
      expiresIn: 60 * 60 * 12,
      updateAge: 60 * 60,
      cookieCache: { enabled: false },
      additionalFields: { amr: { type: "string", required: false, input: false } },
    },
    account: { accountLinking: { enabled: false } },
    databaseHooks: {
      user: {
        create: {
          // Accounts made by the seed or a sysadmin name their department; one made by single
          // sign-on takes the department its claims gave (refused when they gave none).
          before: async (user) => {
            if (typeof (user as { departmentId?: unknown }).departmentId === "string") return { data: user };
            const email = String(user.email).toLowerCase();
            const departmentId = pendingSsoDepartments.get(email);
            pendingSsoDepartments.delete(email);
            return departmentId ? { data: { ...user, departmentId, role: "official" } } : false;
          },
          // The seed and sysadmins write accounts with their account.v1 entry in one transaction
          // (lib/auth/users.ts), outside Better Auth; an account Better Auth makes (single sign-on)
          // is ledgered here, just after its row. Should that fail, the next start's baseline
          // ledgers it, and the audit names it until then.
          after: async (user) => {
            await ledgerAccountMadeElsewhere((await getDb()).sql, String(user.id), { userId: "sso", departmentId: null });
          },
        },
      },
      session: {
        create: {
          // A disabled account gets no session, however it authenticated (password, TOTP, OIDC).
          before: async (session, ctx) => {
            if (await userDisabled(opts.prisma, String(session.userId))) throw new APIError("FORBIDDEN", ACCOUNT_DISABLED);
            return { data: { ...session, amr: amrOfPath(ctx?.path) } };
          },
        },
      },
    },
    // Sign-in attempts are limited by the guards' SignInLimiter per account and address (Better
    // Auth's own limiter counts requests per IP and path only, and cannot slow one account's
    // guesser without locking the account); disabled accounts are refused there too.
    rateLimit: { enabled: false },
    hooks: { before: guards.before, after: guards.after },
    advanced: {
      cookiePrefix: "citybrain",
      useSecureCookies: baseURL.startsWith("https://"),
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" },
      database: { generateId: () => crypto.randomUUID() },
    },
    logger: { level: "error" },
    plugins,
  });
}

export type Auth = ReturnType<typeof createAuth>;

const KEY = Symbol.for("city-brain.auth");
type Holder = { [KEY]?: Promise<Auth> };

/** BETTER_AUTH_SECRET, or a secret generated once into DATA_DIR/secrets/auth-secret.json. */
export async function loadAuthSecret(config: Pick<Config, "BETTER_AUTH_SECRET" | "dataDir">): Promise<string> {
  if (config.BETTER_AUTH_SECRET) return config.BETTER_AUTH_SECRET;
  const s = await loadOrCreateSecret<{ secret: string }>(
    config.dataDir,
    "auth-secret",
    async () => ({ secret: crypto.randomBytes(32).toString("base64url") }),
    (v) => {
      const secret = (v as { secret?: unknown })?.secret;
      if (typeof secret !== "string" || secret.length < 32) throw new Error("secret missing or shorter than 32 characters");
      return { secret };
    },
  );
  return s.secret;
}

/** The process-wide Better Auth instance over the process-wide database. */
export function getAuth(): Promise<Auth> {
  const g = globalThis as Holder;
  g[KEY] ??= (async () => {
    const config = loadConfig();
    const db = await getDb();
    return createAuth({ prisma: db.prisma, secret: await loadAuthSecret(config), config });
  })().catch((e) => {
    delete g[KEY];
    throw e;
  });
  return g[KEY];
}

/** Installs an auth instance as the process-wide one (server start, tests). */
export function setAuth(auth: Auth): void {
  (globalThis as Holder)[KEY] = Promise.resolve(auth);
}
