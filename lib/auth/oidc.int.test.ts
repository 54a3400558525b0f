/**
 * Single sign-on through OIDC (Better Auth's generic OAuth plugin) against a small identity
 * provider on 127.0.0.1: discovery, authorization redirect with PKCE, code exchange, userinfo,
 * the department taken from a claim, a session whose admin roles need the provider's MFA to be trusted.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "../testing/test-databases";
import { setDb, type Db } from "../db/client";
import { seedCity } from "../server/seed";
import { generateCity } from "../city";
import { loadConfig } from "../config";
import { createAuth, setAuth, type Auth } from "./auth";
import { viewerFromRequest } from "../access/viewer";

const [target] = await testTargets();

describe("OIDC single sign-on", () => {
  let db: Db & { drop(): Promise<void> };
  let auth: Auth;
  let idp: http.Server;
  let issuer = "";
  const profiles: Record<string, Record<string, unknown>> = {};
  const codes = new Map<string, { sub: string; challenge: string | null }>();
  let nextSub = "";

  beforeAll(async () => {
    idp = http.createServer((req, res) => {
      const url = new URL(req.url!, issuer);
      const json = (v: unknown, status = 200) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(v));
      };
      if (url.pathname === "/.well-known/openid-configuration") {
        return json({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, userinfo_endpoint: `${issuer}/userinfo`, response_types_supported: ["code"], subject_types_supported: ["public"], id_token_signing_alg_values_supported: ["RS256"] });
      }
      if (url.pathname === "/authorize") {
        const code = crypto.randomBytes(8).toString("hex");
        codes.set(code, { sub: nextSub, challenge: url.searchParams.get("code_challenge") });
        const back = new URL(url.searchParams.get("redirect_uri")!);
        back.searchParams.set("code", code);
        back.searchParams.set("state", url.searchParams.get("state")!);
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (url.pathname === "/token") {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          const p = new URLSearchParams(body);
          const c = codes.get(p.get("code") ?? "");
          const verifier = p.get("code_verifier") ?? "";
          const ok = c && (!c.challenge || crypto.createHash("sha256").update(verifier).digest("base64url") === c.challenge);
          if (!ok) return json({ error: "invalid_grant" }, 400);
          json({ access_token: `at-${c!.sub}`, token_type: "Bearer", expires_in: 300 });
        });
        return;
      }
      if (url.pathname === "/userinfo") {
        const sub = (req.headers.authorization ?? "").replace(/^Bearer at-/, "");
        return profiles[sub] ? json(profiles[sub]) : json({ error: "invalid_token" }, 401);
      }
      json({ error: "not found" }, 404);
    });
    await new Promise<void>((r) => idp.listen(0, "127.0.0.1", r));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    db = await target.open();
    setDb(db);
    await seedCity(db, generateCity({ seed: "oidc-it", size: 0.1 }));
    const config = loadConfig({ ...process.env, HOST: "127.0.0.1", PORT: "3000", OIDC_DISCOVERY_URL: `${issuer}/.well-known/openid-configuration`, OIDC_CLIENT_ID: "city-brain", OIDC_CLIENT_SECRET: "s3cret", OIDC_DEFAULT_DEPARTMENT: "citizen" });
    auth = createAuth({ prisma: db.prisma, secret: crypto.randomBytes(32).toString("base64url"), config });
    setAuth(auth);
  });
  afterAll(async () => {
    idp?.close();
    await db?.drop();
  });

  const BASE = "http://127.0.0.1:3000";
  const cookiesOf = (res: Response, prev = "") => {
    const jar = new Map(prev.split("; ").filter(Boolean).map((c) => [c.split("=")[0], c] as [string, string]));
    for (const c of res.headers.getSetCookie()) {
      const kv = c.split(";")[0];
      const name = kv.split("=")[0];
      if (kv.endsWith("=")) jar.delete(name);
      else jar.set(name, kv);
    }
    return [...jar.values()].join("; ");
  };

  async function ssoSignIn(sub: string): Promise<string> {
    nextSub = sub;
    const start = await auth.handler(
      new Request(`${BASE}/api/auth/sign-in/social`, { method: "POST", headers: { host: "127.0.0.1:3000", origin: BASE, "content-type": "application/json" }, body: JSON.stringify({ provider: "oidc", callbackURL: "/" }) }),
    );
    expect(start.status).toBe(200);
    let cookie = cookiesOf(start);
    const { url } = (await start.json()) as { url: string };
    expect(url.startsWith(`${issuer}/authorize?`)).toBe(true);
    expect(new URL(url).searchParams.get("code_challenge_method")).toBe("S256");
    const idpAnswer = await fetch(url, { redirect: "manual" });
    const callback = idpAnswer.headers.get("location")!;
    expect(callback.startsWith(`${BASE}/api/auth/callback/oidc?`)).toBe(true);
    const done = await auth.handler(new Request(callback, { headers: { host: "127.0.0.1:3000", cookie } }));
    expect(done.status).toBe(302);
    if (!/session_token/.test(done.headers.getSetCookie().join())) throw new Error(`callback redirected to ${done.headers.get("location")}`);
    cookie = cookiesOf(done, cookie);
    expect(cookie).toMatch(/citybrain\.session_token=/);
    return cookie;
  }

  it("signs a new person in, in the department their claim names, as an official", async () => {
    profiles.alice = { sub: "alice", email: "alice@energy.example.gov", name: "Alice", email_verified: true, department: "energy" };
    const cookie = await ssoSignIn("alice");
    const v = await viewerFromRequest(new Request(`${BASE}/api/auth/me`, { headers: { host: "127.0.0.1:3000", cookie } }));
    expect(v).toMatchObject({ kind: "user", departmentId: "energy", role: "official", email: "alice@energy.example.gov" });
    const [row] = await db.sql.query<{ amr: string }>(`SELECT s.amr FROM auth_session s JOIN auth_user u ON u.id = s.user_id WHERE u.email = $1`, ["alice@energy.example.gov"]);
    expect(row.amr).toBe("oidc");
    // The account single sign-on made is on the ledger: an account.v1 "create" entry by "sso".
    const events = await db.sql.query<{ action: string; by_user: string; department_id: string; role: string }>(
      `SELECT e.action, e.by_user, e.department_id, e.role FROM account_event e JOIN auth_user u ON u.id = e.user_id WHERE u.email = $1`,
      ["alice@energy.example.gov"],
    );
    expect(events).toEqual([{ action: "create", by_user: "sso", department_id: "energy", role: "official" }]);
  });

  it("falls back to OIDC_DEFAULT_DEPARTMENT, and an admin promoted later still needs trusted MFA", async () => {
    profiles.bob = { sub: "bob", email: "bob@example.gov", name: "Bob", email_verified: true };
    const cookie = await ssoSignIn("bob");
    await db.sql.query(`UPDATE auth_user SET role = 'dept_admin' WHERE email = 'bob@example.gov'`);
    const v = await viewerFromRequest(new Request(`${BASE}/api/auth/me`, { headers: { host: "127.0.0.1:3000", cookie } }));
    expect(v).toMatchObject({ kind: "user", departmentId: "citizen", role: "official", needsTwoFactor: true });
  });
});
