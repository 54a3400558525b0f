// Sign-in and access over real HTTP against the running console: cookie flags, two-factor
// sign-in for admins, CSRF refusal of cross-origin writes, guests limited to public data,
// and nothing leaving the machine (Better Auth's telemetry is off).
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import { E2E_DATA_DIR } from "./config";

type DemoUser = { email: string; password: string; departmentId: string; role: string; totpSecret?: string };
const demo = (departmentId: string, role: string): DemoUser => {
  const { users } = JSON.parse(fs.readFileSync(path.join(E2E_DATA_DIR, "secrets", "demo-users.json"), "utf8")) as { users: DemoUser[] };
  return users.find((u) => u.departmentId === departmentId && u.role === role)!;
};

test.describe("sign-in and access over HTTP", () => {
  test("demo credentials are kept private, sessions use httpOnly SameSite=Lax cookies, admins need a TOTP code", async ({ playwright, baseURL }) => {
    const file = path.join(E2E_DATA_DIR, "secrets", "demo-users.json");
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    const ctx = await playwright.request.newContext({ baseURL });
    const admin = demo("energy", "dept_admin");
    const first = await ctx.post("/api/auth/sign-in/email", { data: { email: admin.email, password: admin.password }, headers: { origin: baseURL! } });
    expect(await first.json()).toMatchObject({ twoFactorRedirect: true, twoFactorMethods: ["totp"] });
    // No session yet: only the short-lived two-factor challenge cookie.
    expect((await (await ctx.get("/api/auth/me")).json()).signedIn).toBe(false);
    const bad = await ctx.post("/api/auth/two-factor/verify-totp", { data: { code: "000000" }, headers: { origin: baseURL! } });
    expect(bad.status()).toBeGreaterThanOrEqual(400);
    const code = new TOTP({ secret: Secret.fromBase32(admin.totpSecret!), digits: 6, period: 30 }).generate();
    const ok = await ctx.post("/api/auth/two-factor/verify-totp", { data: { code }, headers: { origin: baseURL! } });
    expect(ok.status()).toBe(200);
    const cookie = ok.headersArray().find((h) => h.name.toLowerCase() === "set-cookie" && h.value.startsWith("citybrain.session_token="))!.value;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect((await (await ctx.get("/api/auth/me")).json()).user).toMatchObject({ role: "dept_admin", departmentId: "energy", needsTwoFactor: false });

    // A write from another origin is refused even with the admin's cookie.
    const csrf = await ctx.post("/api/grants", { data: { datasetId: "safety.cameras", scope: "aggregated", purpose: "csrf", validUntil: new Date(Date.now() + 3_600_000).toISOString() }, headers: { origin: "http://evil.example" } });
    expect(csrf.status()).toBe(403);
    expect((await csrf.json()).error.message).toMatch(/cross-origin/);
    const same = await ctx.post("/api/grants", { data: { datasetId: "safety.cameras", scope: "aggregated", purpose: "same origin", validUntil: new Date(Date.now() + 3_600_000).toISOString() }, headers: { origin: baseURL! } });
    expect(same.status()).toBe(200);

    // Sign-out ends the session.
    expect((await ctx.post("/api/auth/sign-out", { data: {}, headers: { origin: baseURL! } })).status()).toBe(200);
    expect((await (await ctx.get("/api/auth/me")).json()).signedIn).toBe(false);
    await ctx.dispose();
  });

  test("guests see public data only and are told why the rest is hidden; every read is logged", async ({ request }) => {
    const { datasets } = await (await request.get("/api/datasets")).json();
    for (const d of datasets as { id: string; sensitivity: string; readable: boolean; denied?: { code: string } }[]) {
      expect(d.readable).toBe(d.sensitivity === "public");
      if (!d.readable) expect(d.denied?.code).toBe("sign_in");
    }
    const hidden = await request.get("/api/datasets/energy.load/readings");
    expect(hidden.status()).toBe(403);
    expect((await hidden.json()).error.message).toMatch(/sign in/);
    const open = await request.get("/api/traffic/latest");
    expect((await open.json()).access).toMatchObject({ basis: "public", scope: "raw" });
    expect((await request.get("/api/access-events")).status()).toBe(401);
    expect((await request.get("/sign-in")).status()).toBe(200);
  });

  test("the console made no outgoing connection (no auth telemetry)", async () => {
    const log = path.join(E2E_DATA_DIR, "egress.log");
    const text = fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "";
    expect(text).toBe("");
  });
});
