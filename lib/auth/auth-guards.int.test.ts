/**
 * Sign-in hardening through the real /api/auth route handler and Better Auth: one limiter for
 * JSON and form-encoded bodies, keyed on the parsed e-mail and the socket's address (a forged
 * X-Forwarded-For changes nothing), and disabled accounts refused on every endpoint.
 */
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "../testing/test-databases";
import { setDb, type Db } from "../db/client";
import { seedCity } from "../server/seed";
import { generateCity } from "../city";
import { loadConfig } from "../config";
import { createAuth, setAuth } from "./auth";
import { createUserWithPassword } from "./users";
import { PEER_HEADER } from "../http/client-address";
import * as authRoute from "@/app/api/auth/[...all]/route";

const [target] = await testTargets();
const BASE = "http://127.0.0.1:3000";
const PASSWORD = "correct horse battery";

function post(path: string, body: string, contentType: string, headers: Record<string, string> = {}) {
  return authRoute.POST(
    new Request(`${BASE}/api/auth${path}`, { method: "POST", headers: { host: "127.0.0.1:3000", origin: BASE, "content-type": contentType, ...headers }, body }),
  );
}
const json = (path: string, body: unknown, headers: Record<string, string> = {}) => post(path, JSON.stringify(body), "application/json", headers);
const form = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
  post(path, new URLSearchParams(body).toString(), "application/x-www-form-urlencoded", headers);
const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(";")[0]).filter((c) => !c.endsWith("=")).join("; ");

describe(`sign-in guards on ${target.name}`, () => {
  let db: Db & { drop(): Promise<void> };

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    await seedCity(db, generateCity({ seed: "guards-it", size: 0.1 }));
    const config = loadConfig({ ...process.env, HOST: "127.0.0.1", PORT: "3000", DATABASE_URL: "", SIGNIN_MAX_FAILURES: "3", SIGNIN_WINDOW_SECONDS: "300", SIGNIN_MAX_PER_MINUTE: "1000", TRUSTED_PROXIES: "" });
    const auth = createAuth({ prisma: db.prisma, secret: crypto.randomBytes(32).toString("base64url"), config });
    setAuth(auth);
    for (const name of ["victim", "form", "disabled", "owner"]) {
      await createUserWithPassword(auth, { email: `${name}@guards.test`, name, departmentId: "traffic", role: "official", password: PASSWORD });
    }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("limits form-encoded guesses with a new X-Forwarded-For each (429 with Retry-After)", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await form("/sign-in/email", { email: "Form@guards.test", password: `wrong-${i}-password` }, { [PEER_HEADER]: "203.0.113.5", "x-forwarded-for": `198.51.100.${i}` });
      statuses.push(res.status);
      if (res.status === 429) retryAfter ??= res.headers.get("retry-after");
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses[3]).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // The same limiter counts JSON bodies for that account and address.
    const j = await json("/sign-in/email", { email: "form@guards.test", password: "wrong-json-password" }, { [PEER_HEADER]: "203.0.113.5" });
    expect(j.status).toBe(429);
    expect(await j.json()).toMatchObject({ code: "TOO_MANY_ATTEMPTS" });
  });

  it("does not let a stranger at another address lock the account", async () => {
    for (let i = 0; i < 6; i++) await json("/sign-in/email", { email: "victim@guards.test", password: `nope-${i}-nope-nope` }, { [PEER_HEADER]: "192.0.2.66" });
    const mine = await json("/sign-in/email", { email: "victim@guards.test", password: PASSWORD }, { [PEER_HEADER]: "192.0.2.10" });
    expect(mine.status).toBe(200);
  });

  it("refuses a disabled account's sign-in, JSON or form, with 403", async () => {
    await db.sql.query(`UPDATE auth_user SET disabled = true WHERE email = 'disabled@guards.test'`);
    const a = await json("/sign-in/email", { email: "disabled@guards.test", password: PASSWORD }, { [PEER_HEADER]: "192.0.2.20" });
    expect(a.status).toBe(403);
    expect(await a.json()).toMatchObject({ code: "ACCOUNT_DISABLED", message: expect.stringContaining("disabled") });
    const b = await form("/sign-in/email", { email: "disabled@guards.test", password: PASSWORD }, { [PEER_HEADER]: "192.0.2.20" });
    expect(b.status).toBe(403);
    expect(cookiesOf(b)).not.toMatch(/session_token=/);
  });

  it("refuses update-user and every other endpoint to a session whose account was disabled since", async () => {
    const signIn = await json("/sign-in/email", { email: "owner@guards.test", password: PASSWORD }, { [PEER_HEADER]: "192.0.2.30" });
    expect(signIn.status).toBe(200);
    const cookie = cookiesOf(signIn);
    const ok = await json("/update-user", { name: "still here" }, { cookie, [PEER_HEADER]: "192.0.2.30" });
    expect(ok.status).toBe(200);
    // Disabled behind the console's back (sessions kept): the hooks still refuse it.
    await db.sql.query(`UPDATE auth_user SET disabled = true WHERE email = 'owner@guards.test'`);
    const upd = await json("/update-user", { name: "renamed while disabled" }, { cookie, [PEER_HEADER]: "192.0.2.30" });
    expect(upd.status).toBe(403);
    expect(await upd.json()).toMatchObject({ code: "ACCOUNT_DISABLED" });
    const enable = await json("/two-factor/enable", { password: PASSWORD }, { cookie, [PEER_HEADER]: "192.0.2.30" });
    expect(enable.status).toBe(403);
    const list = await authRoute.GET(new Request(`${BASE}/api/auth/list-sessions`, { headers: { host: "127.0.0.1:3000", cookie, [PEER_HEADER]: "192.0.2.30" } }));
    expect(list.status).toBe(403);
    const [row] = await db.sql.query<{ name: string }>(`SELECT name FROM auth_user WHERE email = 'owner@guards.test'`);
    expect(row.name).toBe("still here");
  });
});
