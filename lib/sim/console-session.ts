import { totpCode } from "../auth/users";
import { readDemoUsers } from "../auth/demo-users";

/** A console account's credentials: e-mail, password and, for roles with a second factor, the base32 TOTP secret. */
export type ConsoleCredentials = { email: string; password: string; totpSecret?: string };

/**
 * A cookie jar of one signed-in console user over plain fetch, for tools that act on a running
 * console as a person would (the soak test, `readings:replay`, `ngsi:bridge`). Every request
 * carries the console's own origin, as the browser does (state-changing requests from another
 * origin are refused).
 */
export class ConsoleSession {
  private cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async fetch(p: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("origin", this.base);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(this.base + p, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const [kv] = c.split(";");
      const i = kv.indexOf("=");
      this.cookies.set(kv.slice(0, i), kv.slice(i + 1));
    }
    return res;
  }

  /** Signs in with a password and, when given, the TOTP code of the secret; throws naming the step that failed. */
  async signIn(u: ConsoleCredentials): Promise<this> {
    const json = { "content-type": "application/json" };
    const r = await this.fetch("/api/auth/sign-in/email", { method: "POST", headers: json, body: JSON.stringify({ email: u.email, password: u.password }) });
    if (r.status !== 200) throw new Error(`sign-in of ${u.email} at ${this.base}: ${r.status} ${(await r.text()).slice(0, 200)}`);
    if (u.totpSecret) {
      const v = await this.fetch("/api/auth/two-factor/verify-totp", { method: "POST", headers: json, body: JSON.stringify({ code: totpCode(u.totpSecret) }) });
      if (v.status !== 200) throw new Error(`TOTP of ${u.email} at ${this.base}: ${v.status} ${(await v.text()).slice(0, 200)}`);
    }
    return this;
  }
}

/**
 * The credentials of a department's admin for a tool: CONSOLE_ADMIN_EMAIL, CONSOLE_ADMIN_PASSWORD
 * and CONSOLE_ADMIN_TOTP_SECRET from the environment when set, else the demo dept_admin of the
 * department in DATA_DIR/secrets/demo-users.json (a console started with demo users); null when neither.
 */
export function adminCredentials(env: NodeJS.ProcessEnv, dataDir: string, departmentId: string): ConsoleCredentials | null {
  if (env.CONSOLE_ADMIN_EMAIL) {
    return { email: env.CONSOLE_ADMIN_EMAIL, password: env.CONSOLE_ADMIN_PASSWORD ?? "", ...(env.CONSOLE_ADMIN_TOTP_SECRET ? { totpSecret: env.CONSOLE_ADMIN_TOTP_SECRET } : {}) };
  }
  const demo = readDemoUsers(dataDir)?.find((u) => u.departmentId === departmentId && u.role === "dept_admin");
  return demo ? { email: demo.email, password: demo.password, ...(demo.totpSecret ? { totpSecret: demo.totpSecret } : {}) } : null;
}
