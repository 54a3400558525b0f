/**
 * TOTP for every role and REQUIRE_TOTP_ALL, through the real /api/auth route handler and a data
 * route: with the setting on, an official's password-only session reads no data (403 saying to
 * complete the second factor) but learns so from /api/auth/me and enrols a TOTP; after the code
 * passes, it reads. With the setting off, an official may enrol but need not.
 */
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "../testing/test-databases";
import { setDb, type Db } from "../db/client";
import { seedCity } from "../server/seed";
import { generateCity } from "../city";
import { loadConfig } from "../config";
import { createAuth, setAuth } from "./auth";
import { createUserWithPassword, totpCode, totpSecretOfUri } from "./users";
import { PEER_HEADER } from "../http/client-address";
import * as authRoute from "@/app/api/auth/[...all]/route";
import * as meRoute from "@/app/api/auth/me/route";
import * as datasetsRoute from "@/app/api/datasets/route";

const [target] = await testTargets();
const BASE = "http://127.0.0.1:3000";
const PASSWORD = "correct horse battery";
const headers = (cookie?: string) => ({ host: "127.0.0.1:3000", origin: BASE, "content-type": "application/json", [PEER_HEADER]: "192.0.2.30", ...(cookie ? { cookie } : {}) });
const post = (path: string, body: unknown, cookie?: string) =>
  authRoute.POST(new Request(`${BASE}/api/auth${path}`, { method: "POST", headers: headers(cookie), body: JSON.stringify(body) }));
const get = (route: { GET: (req: Request) => Promise<Response> }, path: string, cookie?: string) => route.GET(new Request(`${BASE}${path}`, { headers: headers(cookie) }));
const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(";")[0]).filter((c) => !c.endsWith("=")).join("; ");

describe(`TOTP for every role on ${target.name}`, () => {
  let db: Db & { drop(): Promise<void> };
  const before = process.env.REQUIRE_TOTP_ALL;

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    await seedCity(db, generateCity({ seed: "totp-all-it", size: 0.1 }));
    const config = loadConfig({ ...process.env, HOST: "127.0.0.1", PORT: "3000", DATABASE_URL: "", SIGNIN_MAX_PER_MINUTE: "1000", TRUSTED_PROXIES: "" });
    const auth = createAuth({ prisma: db.prisma, secret: crypto.randomBytes(32).toString("base64url"), config });
    setAuth(auth);
    for (const role of ["official", "auditor"] as const) {
      await createUserWithPassword(auth, { email: `${role}@totp.test`, name: role, departmentId: "traffic", role, password: PASSWORD });
    }
  });
  afterAll(async () => {
    if (before === undefined) delete process.env.REQUIRE_TOTP_ALL;
    else process.env.REQUIRE_TOTP_ALL = before;
    await db?.drop();
  });

  it("with REQUIRE_TOTP_ALL an official's password-only session gets 403 on data until TOTP passes, and can enrol", async () => {
    process.env.REQUIRE_TOTP_ALL = "1";
    const signIn = await post("/sign-in/email", { email: "official@totp.test", password: PASSWORD });
    expect(signIn.status).toBe(200);
    const pwdOnly = cookiesOf(signIn);

    const refused = await get(datasetsRoute, "/api/datasets", pwdOnly);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: "forbidden", message: expect.stringMatching(/complete two-factor sign-in/) } });
    const me = await (await get(meRoute, "/api/auth/me", pwdOnly)).json();
    expect(me).toMatchObject({ signedIn: true, user: { role: "official", needsTwoFactor: true, twoFactorEnabled: false, readsData: false } });

    // Enrol through Better Auth's own endpoints with the password-only session.
    const enabled = await post("/two-factor/enable", { password: PASSWORD }, pwdOnly);
    expect(enabled.status).toBe(200);
    const secret = totpSecretOfUri(((await enabled.json()) as { totpURI: string }).totpURI);
    const verified = await post("/two-factor/verify-totp", { code: totpCode(secret) }, pwdOnly);
    expect(verified.status).toBe(200);
    const withTotp = cookiesOf(verified);
    expect(withTotp).toMatch(/session_token=/);

    const ok = await get(datasetsRoute, "/api/datasets", withTotp);
    expect(ok.status).toBe(200);
    expect(await (await get(meRoute, "/api/auth/me", withTotp)).json()).toMatchObject({ user: { role: "official", needsTwoFactor: false, twoFactorEnabled: true, readsData: true } });

    // From now on the password alone gives no session: the code is asked for.
    const again = await post("/sign-in/email", { email: "official@totp.test", password: PASSWORD });
    expect(await again.json()).toMatchObject({ twoFactorRedirect: true });
  });

  it("without it an auditor's password-only session reads data, and may still enrol", async () => {
    process.env.REQUIRE_TOTP_ALL = "0";
    const signIn = await post("/sign-in/email", { email: "auditor@totp.test", password: PASSWORD });
    const cookie = cookiesOf(signIn);
    expect((await get(datasetsRoute, "/api/datasets", cookie)).status).toBe(200);
    expect(await (await get(meRoute, "/api/auth/me", cookie)).json()).toMatchObject({ user: { role: "auditor", needsTwoFactor: false, twoFactorEnabled: false, readsData: true } });
    const enabled = await post("/two-factor/enable", { password: PASSWORD }, cookie);
    expect(enabled.status).toBe(200);
    const secret = totpSecretOfUri(((await enabled.json()) as { totpURI: string }).totpURI);
    expect((await post("/two-factor/verify-totp", { code: totpCode(secret) }, cookie)).status).toBe(200);
  });
});
