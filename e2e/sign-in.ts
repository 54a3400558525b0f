import fs from "node:fs";
import path from "node:path";
import { expect, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { Secret, TOTP } from "otpauth";
import { E2E_DATA_DIR } from "./config";

export type DemoUser = { email: string; password: string; departmentId: string; role: string; totpSecret?: string };

/** A demo user of the e2e console, from the credentials it wrote at its first start. */
export function demoUser(departmentId: string, role: string, dataDir = E2E_DATA_DIR): DemoUser {
  const file = path.join(dataDir, "secrets", "demo-users.json");
  const { users } = JSON.parse(fs.readFileSync(file, "utf8")) as { users: DemoUser[] };
  const u = users.find((x) => x.departmentId === departmentId && x.role === role);
  if (!u) throw new Error(`no demo ${role} of ${departmentId}`);
  return u;
}

/** Signs a request context in through the API (password, then TOTP for admins), as the sign-in page does. */
export async function signIn(request: APIRequestContext, baseURL: string, u: DemoUser) {
  const headers = { origin: baseURL };
  const r = await request.post("/api/auth/sign-in/email", { data: { email: u.email, password: u.password }, headers });
  expect(r.status(), await r.text()).toBe(200);
  if (u.totpSecret) {
    const code = new TOTP({ secret: Secret.fromBase32(u.totpSecret), digits: 6, period: 30 }).generate();
    const v = await request.post("/api/auth/two-factor/verify-totp", { data: { code }, headers });
    expect(v.status(), await v.text()).toBe(200);
  }
}

/** A new browser page signed in as a demo user. */
export async function pageAs(browser: Browser, baseURL: string, departmentId: string, role: string): Promise<Page> {
  const context = await browser.newContext({ baseURL, locale: "en-US", viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await signIn(page.request, baseURL, demoUser(departmentId, role));
  return page;
}
