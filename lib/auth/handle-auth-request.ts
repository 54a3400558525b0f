import { loadConfig } from "../config";
import { getAuth } from "./auth";
import { SignInLimiter } from "./sign-in-limiter";

const KEY = Symbol.for("city-brain.sign-in-limiter");
type Holder = { [KEY]?: SignInLimiter };

function limiter(): SignInLimiter {
  const g = globalThis as Holder;
  if (!g[KEY]) {
    const c = loadConfig();
    g[KEY] = new SignInLimiter({ maxFailures: c.SIGNIN_MAX_FAILURES, windowMs: c.SIGNIN_WINDOW_SECONDS * 1000, maxPerMinute: c.SIGNIN_MAX_PER_MINUTE });
  }
  return g[KEY];
}

/** The client's address: the first X-Forwarded-For hop (the console's server sets it from the socket). */
export function clientAddress(req: Request): string {
  return req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || "unknown";
}

/**
 * Every request to /api/auth/*, answered by Better Auth, with sign-in attempts (password
 * and second factor) limited per account and per address first: 429 with Retry-After.
 */
export async function handleAuthRequest(req: Request): Promise<Response> {
  const auth = await getAuth();
  const path = new URL(req.url).pathname.replace(/^\/api\/auth/, "");
  const limited = req.method === "POST" && (path === "/sign-in/email" || path.startsWith("/two-factor/verify"));
  if (!limited) return auth.handler(req);
  const address = clientAddress(req);
  let account = `second-factor@${address}`;
  if (path === "/sign-in/email") {
    const body = (await req.clone().json().catch(() => null)) as { email?: unknown } | null;
    account = typeof body?.email === "string" ? body.email.trim().toLowerCase() : `unknown@${address}`;
  }
  const wait = limiter().check(address, account);
  if (wait > 0) {
    return Response.json(
      { code: "TOO_MANY_ATTEMPTS", message: `too many sign-in attempts; try again in ${wait} s` },
      { status: 429, headers: { "retry-after": String(wait) } },
    );
  }
  const res = await auth.handler(req);
  if (res.status >= 400 && res.status < 500) limiter().failed(account);
  else if (res.ok) limiter().succeeded(account);
  return res;
}
