/**
 * Fuzz of every route in the OpenAPI document, in process against its route handler: each
 * query, path and body parameter gets hostile values (NUL, year 0000, UTC offsets beyond
 * ±15:59, control characters, huge numbers, wrong types), as a guest and as a sysadmin who
 * passed TOTP. No answer may be a 5xx; the known vectors must be a 400 naming the field.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { z } from "zod";
import { testTargets } from "../testing/test-databases";
import { openAccessFixture, type AccessFixture } from "../access/testing/access-fixture";
import { generateCity } from "../city";
import { totpCode } from "../auth/users";
import { ROUTES } from "../api/openapi-document";
import type { RouteSpec } from "./openapi";
import { setLogInfo } from "../ledger-store/log-info";
import { Intake } from "../ingest/intake";
import { setIntake } from "../ingest/intake-instance";

const [target] = await testTargets();
const BASE = "http://127.0.0.1:3000";
type Handler = (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

const HOSTILE = [
  "\u0000",
  "a\u0000b",
  "0000-01-01T00:00:00Z",
  "2026-01-01T00:00:00+23:59",
  "2026-01-01T00:00:00-16:00",
  "9999-12-31T23:59:59-15:00",
  "/\\evil.example",
  "\u0001\u001f\u007f",
  "\ud800",
  "%00",
  "-1",
  "1e309",
  "99999999999999999999999",
  "NaN",
  "",
  " ",
  "x".repeat(5000),
  "'; DROP TABLE reading; --",
  "../../etc/passwd",
  "{}",
];
const hostileString = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 40 }), fc.string({ unit: "binary", maxLength: 20 }));
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 53 + 1, 0.5, true, null, [], {}),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom("a", "\u0000", "from", "reason"), hostileString, { maxKeys: 2 }),
);

function moduleOf(route: RouteSpec): string {
  const segs = route.path.split("/").filter(Boolean).map((s) => (s === "{resource}" ? "[...path]" : s.replace(/^\{(.+)\}$/, "[$1]")));
  return path.resolve(import.meta.dirname, "../../app", ...segs, "route.ts");
}
const keysOf = (o: z.ZodType | undefined): string[] => (o && o instanceof z.ZodObject ? Object.keys(o.shape) : []);
const bodyKeys = (route: RouteSpec): string[] => {
  const s = route.body?.schema;
  if (!s) return [];
  const inner = (s as unknown as { def?: { in?: z.ZodType } }).def?.in ?? s; // refine/pipe wrappers
  return keysOf(inner as z.ZodType) || keysOf(s);
};

type Input = { query: Record<string, string>; params: Record<string, string>; body: unknown };

describe(`every OpenAPI route under hostile input on ${target.name}`, () => {
  let fx: AccessFixture;
  let admin = "";
  let intake: Intake | undefined;
  const handlers = new Map<RouteSpec, Handler>();
  const failures: string[] = [];
  let calls = 0;

  async function send(route: RouteSpec, cookie: string, input: Input): Promise<Response> {
    const h = handlers.get(route)!;
    let p = route.path;
    const params: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(input.params)) {
      p = p.replace(`{${k}}`, encodeURIComponent(v.replace(/[\ud800-\udfff]/g, "\ufffd")));
      params[k === "resource" ? "path" : k] = k === "resource" ? v.split("/") : v;
    }
    const url = new URL(`${BASE}${p}`);
    for (const [k, v] of Object.entries(input.query)) url.searchParams.set(k, v);
    const method = route.method.toUpperCase();
    const headers: Record<string, string> = { host: "127.0.0.1:3000" };
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (method !== "GET") {
      headers.origin = BASE;
      const ct = route.body?.contentType ?? "application/json";
      headers["content-type"] = ct;
      body = typeof input.body === "string" && ct !== "application/json" ? input.body : JSON.stringify(input.body ?? {});
    }
    calls++;
    const res = await h(new Request(url, { method, headers, body }), { params: Promise.resolve(params) });
    if (res.headers.get("content-type")?.includes("event-stream")) await res.body?.cancel();
    return res;
  }

  async function expectNo5xx(route: RouteSpec, who: string, cookie: string, input: Input) {
    const res = await send(route, cookie, input);
    if (res.status >= 500) {
      const text = await res.text().catch(() => "");
      failures.push(`${route.method.toUpperCase()} ${route.path} as ${who} with ${JSON.stringify(input).slice(0, 300)}: ${res.status} ${text.slice(0, 200)}`);
    } else await res.body?.cancel();
    return res;
  }

  beforeAll(async () => {
    fx = await openAccessFixture(target);
    (globalThis as Record<symbol, unknown>)[Symbol.for("city-brain.city")] = generateCity({ seed: "access-it", size: 0.2 });
    setLogInfo({ origin: "fuzz.example/ledger", logVerifierKey: "fuzz+00000000+AAAA", witnesses: [], quorum: 1 }); // the running log's facts, as at start
    intake = await Intake.start({ sql: fx.db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 0 });
    setIntake(intake);
    for (const r of ROUTES) {
      const file = moduleOf(r);
      expect(fs.existsSync(file), `${r.path} → ${file}`).toBe(true);
      const mod = (await import(file)) as Record<string, Handler>;
      handlers.set(r, mod[r.method.toUpperCase()]);
    }
    const auth = handlers.get(ROUTES.find((r) => r.path === "/api/auth/me")!);
    expect(auth).toBeTypeOf("function");
    const u = fx.users.find((x) => x.role === "sysadmin")!;
    const { POST } = (await import("@/app/api/auth/[...all]/route")) as { POST: Handler };
    const post = (p: string, body: unknown, cookie = "") =>
      POST(new Request(`${BASE}${p}`, { method: "POST", headers: { host: "127.0.0.1:3000", origin: BASE, "content-type": "application/json", ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) }), { params: Promise.resolve({}) });
    const cookies = (res: Response) => res.headers.getSetCookie().map((c) => c.split(";")[0]).filter((c) => !c.endsWith("=")).join("; ");
    const first = await post("/api/auth/sign-in/email", { email: u.email, password: u.password });
    const second = await post("/api/auth/two-factor/verify-totp", { code: totpCode(u.totpSecret!) }, cookies(first));
    admin = cookies(second);
    expect(admin).toMatch(/session_token=/);
  }, 180_000);
  afterAll(async () => {
    console.log(`routes fuzz: ${calls} requests over ${ROUTES.length} routes, ${failures.length} 5xx`);
    await intake?.close();
    setIntake(null);
    await fx?.close();
  });

  it("answers the reported vectors with a 400 naming the field", async () => {
    const byPath = (m: string, p: string) => ROUTES.find((r) => r.method === m && r.path === p)!;
    const cases: [RouteSpec, Input, string][] = [
      [byPath("get", "/api/devices"), { query: { q: "\u0000" }, params: {}, body: undefined }, "q"],
      [byPath("get", "/api/access-events"), { query: { user: "\u0000" }, params: {}, body: undefined }, "user"],
      [byPath("get", "/api/ledger/entries"), { query: { from: "0000-01-01T00:00:00Z" }, params: {}, body: undefined }, "from"],
      [byPath("get", "/api/ledger/entries"), { query: { from: "2026-01-01T00:00:00+16:00" }, params: {}, body: undefined }, "from"],
      [byPath("post", "/api/grants/{id}/reject"), { query: {}, params: { id: "00000000-0000-0000-0000-000000000000" }, body: { reason: "no\u0000" } }, "reason"],
      [byPath("get", "/api/grants/{id}"), { query: {}, params: { id: "a\u0000" }, body: undefined }, "id"],
    ];
    for (const [route, input, field] of cases) {
      const res = await send(route, admin, input);
      const body = (await res.json()) as { error?: { message?: string } };
      expect(res.status, `${route.path} ${JSON.stringify(input)}`).toBe(400);
      expect(body.error?.message, route.path).toMatch(new RegExp(`^${field}: `));
    }
  });

  it("never answers a 5xx", async () => {
    for (const route of ROUTES) {
      if (route.path === "/api/audit/runs" && route.method === "post") continue; // starts a full audit run: covered by its own tests
      const q = keysOf(route.query);
      const p = keysOf(route.params);
      const b = bodyKeys(route);
      // Every parameter gets every fixed hostile string once, then random combinations.
      const fixed: Input[] = [];
      for (const v of HOSTILE.slice(0, 10)) {
        for (const k of q) fixed.push({ query: { [k]: v }, params: Object.fromEntries(p.map((x) => [x, "1"])), body: {} });
        for (const k of p) fixed.push({ query: {}, params: { ...Object.fromEntries(p.map((x) => [x, "1"])), [k]: v }, body: {} });
        for (const k of b) fixed.push({ query: {}, params: Object.fromEntries(p.map((x) => [x, "1"])), body: { [k]: v } });
        if (route.body && route.body.contentType && route.body.contentType !== "application/json") fixed.push({ query: {}, params: {}, body: v });
      }
      for (const input of fixed) await expectNo5xx(route, "sysadmin", admin, input);
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            query: fc.record(Object.fromEntries(q.map((k) => [k, hostileString])), { requiredKeys: [] }),
            params: fc.record(Object.fromEntries(p.map((k) => [k, hostileString]))),
            body: b.length ? fc.record(Object.fromEntries(b.map((k) => [k, hostileValue])), { requiredKeys: [] }) : hostileValue,
            guest: fc.boolean(),
          }),
          async ({ guest, ...input }) => {
            await expectNo5xx(route, guest ? "guest" : "sysadmin", guest ? "" : admin, input as Input);
            return true;
          },
        ),
        { numRuns: 8, seed: 13 },
      );
    }
    expect(failures, failures.slice(0, 20).join("\n")).toEqual([]);
  }, 240_000);
});
