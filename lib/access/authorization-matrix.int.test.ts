/**
 * The authorization matrix: every role of every department (and a guest) × every data and
 * admin endpoint × objects of their own and other departments, with no grants, with grants,
 * and after revocation and expiry, plus role change, disabling and sign-out. Requests go
 * through the route handlers with real session cookies from Better Auth (password, and TOTP
 * for admins) and the same-origin check. Zero unauthorised 2xx; every authorised request
 * succeeds. The case count is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "../testing/test-databases";
import { openAccessFixture, type AccessFixture } from "./testing/access-fixture";
import { DATASETS, DEPARTMENTS, generateCity } from "../city";
import { ROLES, type Role } from "./roles";
import { totpCode } from "../auth/users";
import { requestGrant } from "../grants/request-grant";
import { approveGrant, revokeGrant } from "../grants/decide-grant";
import { createRule } from "../rules/manage-rules";
import * as authRoute from "@/app/api/auth/[...all]/route";
import * as meRoute from "@/app/api/auth/me/route";
import * as usersRoute from "@/app/api/auth/users/route";
import * as userRoute from "@/app/api/auth/users/[id]/route";
import * as datasetsRoute from "@/app/api/datasets/route";
import * as readingsRoute from "@/app/api/datasets/[id]/readings/route";
import * as trafficLatestRoute from "@/app/api/traffic/latest/route";
import * as trafficSensorsRoute from "@/app/api/traffic/sensors/route";
import * as grantsRoute from "@/app/api/grants/route";
import * as grantRoute from "@/app/api/grants/[id]/route";
import * as approveRoute from "@/app/api/grants/[id]/approve/route";
import * as rejectRoute from "@/app/api/grants/[id]/reject/route";
import * as revokeRoute from "@/app/api/grants/[id]/revoke/route";
import * as notificationsRoute from "@/app/api/grants/notifications/route";
import * as rulesRoute from "@/app/api/rules/route";
import * as ruleRoute from "@/app/api/rules/[id]/route";
import * as retireRoute from "@/app/api/rules/[id]/retire/route";
import * as accessEventsRoute from "@/app/api/access-events/route";
import * as devicesRoute from "@/app/api/devices/route";
import * as deadLettersRoute from "@/app/api/dead-letters/route";
import * as deviceHistoryRoute from "@/app/api/devices/[id]/history/route";
import { unsafeRegisterNewDevices } from "../devices/register-device";
import { signerFromSeed } from "../sim/simulator-keys";

const [target] = await testTargets(); // PGlite; the use cases are covered on PostgreSQL too by grants.int.test.ts
const BASE = "http://127.0.0.1:3000";
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
type V = { label: string; dept: string | null; role: Role | null; cookie: string | null; userId: string | null };

function request(method: string, path: string, cookie: string | null, body?: unknown, origin = BASE): Request {
  const headers: Record<string, string> = { host: "127.0.0.1:3000" };
  if (method !== "GET") headers.origin = origin;
  if (cookie) headers.cookie = cookie;
  if (body !== undefined) headers["content-type"] = "application/json";
  return new Request(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}
async function call(h: unknown, method: string, path: string, v: { cookie: string | null }, opts: { body?: unknown; params?: Record<string, string>; origin?: string } = {}) {
  const res = await (h as Handler)(request(method, path, v.cookie, opts.body, opts.origin), { params: Promise.resolve(opts.params ?? {}) });
  return res;
}
const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(";")[0]).filter((c) => !c.endsWith("=")).join("; ");

const OWNED = [...new Set(DATASETS.map((d) => d.departmentId))]; // departments that own datasets
const ownerOf = (dataset: string) => DATASETS.find((d) => d.id === dataset)!.departmentId;
/** Departments whose datasets have devices (the citizen department's reports have none). */
const WITH_DEVICES = ["traffic", "energy", "safety"];
const datasetOf = (dept: string) => DATASETS.find((d) => d.departmentId === dept)!.id;

describe(`authorization matrix on ${target.name}`, () => {
  let fx: AccessFixture;
  const viewers: V[] = [];
  let cases = 0;
  const failures: string[] = [];

  /** One case: an authorised request must answer 2xx; an unauthorised one 401 or 403 (never 2xx). */
  async function expectCase(label: string, allowed: boolean, res: Response | Promise<Response>, check?: (body: unknown) => string | null) {
    const r = await res;
    cases++;
    const body = await r.clone().json().catch(() => null);
    if (allowed && !(r.status >= 200 && r.status < 300)) failures.push(`${label}: authorised but got ${r.status} ${JSON.stringify(body)?.slice(0, 200)}`);
    if (!allowed && (r.status >= 200 && r.status < 300)) failures.push(`${label}: UNAUTHORISED 2xx`);
    if (!allowed && r.status !== 401 && r.status !== 403) failures.push(`${label}: refused with ${r.status}, want 401 or 403`);
    if (allowed && check && r.ok) {
      const problem = check(body);
      if (problem) failures.push(`${label}: ${problem}`);
    }
  }

  async function signIn(email: string, password: string, totpSecret?: string): Promise<string> {
    const res = await call(authRoute.POST, "POST", "/api/auth/sign-in/email", { cookie: null }, { body: { email, password } });
    expect(res.status).toBe(200);
    let cookie = cookiesOf(res);
    if (totpSecret) {
      expect(await res.json()).toMatchObject({ twoFactorRedirect: true });
      const v = await call(authRoute.POST, "POST", "/api/auth/two-factor/verify-totp", { cookie }, { body: { code: totpCode(totpSecret) } });
      expect(v.status).toBe(200);
      cookie = cookiesOf(v);
    }
    expect(cookie).toMatch(/citybrain\.session_token=/);
    return cookie;
  }

  beforeAll(async () => {
    fx = await openAccessFixture(target);
    (globalThis as Record<symbol, unknown>)[Symbol.for("city-brain.city")] = generateCity({ seed: "access-it", size: 0.2 });
    viewers.push({ label: "guest", dept: null, role: null, cookie: null, userId: null });
    for (const u of fx.users) {
      const v = await fx.viewer(u.departmentId, u.role);
      viewers.push({ label: `${u.role}@${u.departmentId}`, dept: u.departmentId, role: u.role, cookie: await signIn(u.email, u.password, u.totpSecret), userId: v.userId });
    }
    // One registered device per department that has devices, for its key history.
    const city = generateCity({ seed: "access-it", size: 0.2 });
    await unsafeRegisterNewDevices(
      fx.db.sql,
      WITH_DEVICES.map((dept, i) => {
        const like = city.devices.find((d) => ownerOf(d.datasetId) === dept)!;
        return { id: `matrix-${dept}`, departmentId: dept, datasetId: like.datasetId, kind: like.kind, location: like.location, publicKey: signerFromSeed(new Uint8Array(32).fill(90 + i)).publicKey };
      }),
    );
    const now = Date.now();
    for (const ds of DATASETS) {
      await fx.addReadings(ds.id, [
        { device: `${ds.id}-dev`, at: new Date(now - 120_000), location: [121.45, 37.46], values: sampleValues(ds.id) },
      ]);
    }
  }, 180_000);
  afterAll(async () => {
    console.log(`authorization matrix: ${cases} cases, ${failures.length} failures`);
    await fx?.close();
  });

  type Phase = { name: string; grants: { dataset: string; to: string; scope: string }[] };
  async function readCases(phase: Phase) {
    for (const v of viewers) {
      for (const ds of DATASETS) {
        const grant = phase.grants.find((g) => g.dataset === ds.id && g.to === v.dept);
        const allowed = ds.sensitivity === "public" || (v.dept !== null && (ds.departmentId === v.dept || !!grant));
        const scope = v.dept === ds.departmentId || !grant || ds.sensitivity === "public" ? "raw" : grant.scope;
        await expectCase(`${phase.name} ${v.label} GET readings ${ds.id}`, allowed, call(readingsRoute.GET, "GET", `/api/datasets/${ds.id}/readings`, v, { params: { id: ds.id } }), (b) =>
          (b as { scope: string }).scope === scope ? null : `scope ${(b as { scope: string }).scope}, want ${scope}`,
        );
      }
      await expectCase(`${phase.name} ${v.label} GET /api/datasets`, true, call(datasetsRoute.GET, "GET", "/api/datasets", v), (b) => {
        const readable = (b as { datasets: { id: string; readable: boolean }[] }).datasets.filter((d) => d.readable).map((d) => d.id).sort();
        const want = DATASETS.filter((ds) => ds.sensitivity === "public" || (v.dept !== null && (ds.departmentId === v.dept || phase.grants.some((g) => g.dataset === ds.id && g.to === v.dept)))).map((d) => d.id).sort();
        return JSON.stringify(readable) === JSON.stringify(want) ? null : `readable ${readable}, want ${want}`;
      });
      await expectCase(`${phase.name} ${v.label} GET traffic latest`, true, call(trafficLatestRoute.GET, "GET", "/api/traffic/latest", v));
      await expectCase(`${phase.name} ${v.label} GET traffic sensors`, true, call(trafficSensorsRoute.GET, "GET", "/api/traffic/sensors", v));
    }
  }

  it("data endpoints: no grants, with grants, after revocation and expiry", async () => {
    await readCases({ name: "no-grants", grants: [] });

    const admin = (d: string) => fx.viewer(d, "dept_admin");
    const g1 = (await requestGrant({ viewer: await admin("traffic"), request: { datasetId: "energy.load", scope: "aggregated", purpose: "matrix", validUntil: new Date(Date.now() + 3_600_000).toISOString() } })).grant;
    await approveGrant({ viewer: await admin("energy"), grantId: g1.id });
    const g2 = (await requestGrant({ viewer: await admin("emergency"), request: { datasetId: "safety.cameras", scope: "raw", purpose: "matrix", validUntil: new Date(Date.now() + 6000).toISOString() } })).grant;
    await approveGrant({ viewer: await admin("safety"), grantId: g2.id });
    await requestGrant({ viewer: await admin("energy"), request: { datasetId: "reports.citizen", scope: "anonymized", purpose: "matrix (never approved)", validUntil: new Date(Date.now() + 3_600_000).toISOString() } });
    const t0 = Date.now();
    await readCases({
      name: "with-grants",
      grants: [
        { dataset: "energy.load", to: "traffic", scope: "aggregated" },
        { dataset: "safety.cameras", to: "emergency", scope: "raw" },
      ],
    });
    await revokeGrant({ viewer: await admin("energy"), grantId: g1.id, reason: "matrix revocation" });
    await new Promise((r) => setTimeout(r, Math.max(0, 6100 - (Date.now() - t0))));
    await readCases({ name: "revoked+expired", grants: [] });
    expect(failures).toEqual([]);
  }, 300_000);

  it("admin endpoints × every role × own and other departments", async () => {
    const adminV = (d: string) => fx.viewer(d, "dept_admin");
    const sys = await fx.viewer("emergency", "sysadmin");
    const { grant: shared } = await requestGrant({ viewer: await adminV("traffic"), request: { datasetId: "energy.load", scope: "raw", purpose: "shared", validUntil: new Date(Date.now() + 3_600_000).toISOString() } });
    const freshRequest = async (owner: string) => {
      const requester = owner === "emergency" ? "traffic" : "emergency";
      return (await requestGrant({ viewer: await adminV(requester), request: { datasetId: datasetOf(owner), scope: "aggregated", purpose: "fresh", validUntil: new Date(Date.now() + 3_600_000).toISOString() } })).grant.id;
    };
    const freshActive = async (owner: string) => {
      const id = await freshRequest(owner);
      await approveGrant({ viewer: await adminV(owner), grantId: id });
      return id;
    };
    const ruleDef = { name: "matrix rule", trigger: { maxSeverity: 1 }, grant: { granteeDepartmentId: "emergency", datasets: ["safety.cameras"], scope: "raw", radiusM: 1000, durationSeconds: 60 } };
    const { rule } = await createRule({ viewer: sys, definition: ruleDef });
    let n = 0;

    for (const v of viewers) {
      const isAdmin = v.role === "dept_admin" || v.role === "sysadmin";
      const seesAll = v.role === "auditor" || v.role === "sysadmin";
      const user = v.role !== null;
      await expectCase(`${v.label} GET /api/auth/me`, true, call(meRoute.GET, "GET", "/api/auth/me", v), (b) =>
        (b as { signedIn: boolean }).signedIn === user ? null : "wrong signedIn",
      );
      await expectCase(`${v.label} GET /api/grants`, isAdmin || v.role === "auditor", call(grantsRoute.GET, "GET", "/api/grants", v));
      await expectCase(`${v.label} GET /api/grants/{traffic<-energy}`, seesAll || (v.role === "dept_admin" && (v.dept === "traffic" || v.dept === "energy")), call(grantRoute.GET, "GET", `/api/grants/${shared.id}`, v, { params: { id: shared.id } }));
      await expectCase(`${v.label} GET /api/grants/notifications`, user, call(notificationsRoute.GET, "GET", "/api/grants/notifications", v));
      const wanted = v.dept === "citizen" ? "energy.load" : "reports.citizen";
      await expectCase(`${v.label} POST /api/grants (request ${wanted})`, isAdmin, call(grantsRoute.POST, "POST", "/api/grants", v, { body: { datasetId: wanted, scope: "aggregated", purpose: "matrix", validUntil: new Date(Date.now() + 3_600_000).toISOString() } }));
      for (const owner of OWNED) {
        const mayDecide = isAdmin && v.dept === owner;
        const a = await freshRequest(owner);
        await expectCase(`${v.label} POST approve (${owner}'s data)`, mayDecide, call(approveRoute.POST, "POST", `/api/grants/${a}/approve`, v, { params: { id: a }, body: {} }));
        const r = await freshRequest(owner);
        await expectCase(`${v.label} POST reject (${owner}'s data)`, mayDecide, call(rejectRoute.POST, "POST", `/api/grants/${r}/reject`, v, { params: { id: r }, body: { reason: "matrix" } }));
        const k = await freshActive(owner);
        await expectCase(`${v.label} POST revoke (${owner}'s data)`, mayDecide || v.role === "sysadmin", call(revokeRoute.POST, "POST", `/api/grants/${k}/revoke`, v, { params: { id: k }, body: { reason: "matrix" } }));
      }
      await expectCase(`${v.label} GET /api/rules`, isAdmin || v.role === "auditor", call(rulesRoute.GET, "GET", "/api/rules", v));
      await expectCase(`${v.label} POST /api/rules`, v.role === "sysadmin", call(rulesRoute.POST, "POST", "/api/rules", v, { body: ruleDef }));
      await expectCase(`${v.label} PUT /api/rules/{id}`, v.role === "sysadmin", call(ruleRoute.PUT, "PUT", `/api/rules/${rule.id}`, v, { params: { id: rule.id }, body: { ...ruleDef, name: `matrix rule ${n++}` } }));
      const fresh = (await createRule({ viewer: sys, definition: ruleDef })).rule.id;
      await expectCase(`${v.label} POST /api/rules/{id}/retire`, v.role === "sysadmin", call(retireRoute.POST, "POST", `/api/rules/${fresh}/retire`, v, { params: { id: fresh } }));
      await expectCase(`${v.label} GET /api/access-events (own)`, isAdmin || v.role === "auditor", call(accessEventsRoute.GET, "GET", "/api/access-events", v));
      const other = v.dept === "energy" ? "traffic" : "energy";
      await expectCase(`${v.label} GET /api/access-events?department=${other}`, v.role === "auditor", call(accessEventsRoute.GET, "GET", `/api/access-events?department=${other}`, v));
      await expectCase(`${v.label} GET /api/auth/users`, v.role === "sysadmin", call(usersRoute.GET, "GET", "/api/auth/users", v));
      await expectCase(`${v.label} POST /api/auth/users`, v.role === "sysadmin", call(usersRoute.POST, "POST", "/api/auth/users", v, { body: { email: `new-${n++}@example.org`, name: "New", departmentId: "traffic", role: "official", password: "a-long-password-1" } }));
      const target = (await fx.auth.$context).internalAdapter;
      const throwaway = await target.createUser({ email: `throwaway-${n++}@example.org`, name: "T", departmentId: "citizen", role: "official", disabled: false }, { method: "admin" });
      await expectCase(`${v.label} PATCH /api/auth/users/{id}`, v.role === "sysadmin", call(userRoute.PATCH, "PATCH", `/api/auth/users/${throwaway.id}`, v, { params: { id: throwaway.id }, body: { role: "auditor" } }));
      for (const d of DEPARTMENTS) {
        const mayAdmin = v.role === "sysadmin" || (v.role === "dept_admin" && v.dept === d.id);
        await expectCase(`${v.label} GET /api/devices?department=${d.id}`, mayAdmin, call(devicesRoute.GET, "GET", `/api/devices?department=${d.id}`, v));
        await expectCase(`${v.label} GET /api/dead-letters?department=${d.id}`, mayAdmin, call(deadLettersRoute.GET, "GET", `/api/dead-letters?department=${d.id}`, v));
        if (WITH_DEVICES.includes(d.id)) {
          const id = `matrix-${d.id}`;
          await expectCase(`${v.label} GET /api/devices/${id}/history`, mayAdmin || v.role === "auditor", call(deviceHistoryRoute.GET, "GET", `/api/devices/${id}/history`, v, { params: { id } }), (body) =>
            (body as { keys?: unknown[]; total?: number }).total === 1 ? null : `want the one key of ${id}, got ${JSON.stringify(body).slice(0, 120)}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
  }, 600_000);

  it("cross-origin writes, role change, disabling and sign-out take effect on the next request", async () => {
    const sysV = viewers.find((v) => v.label === "sysadmin@emergency")!;
    const energyAdmin = viewers.find((v) => v.label === "dept_admin@energy")!;
    const energyOfficial = viewers.find((v) => v.label === "official@energy")!;
    const citizenOfficial = viewers.find((v) => v.label === "official@citizen")!;
    // A page on another origin cannot make a signed-in admin's browser change anything.
    const id = (await requestGrant({ viewer: await fx.viewer("traffic", "dept_admin"), request: { datasetId: "energy.load", scope: "raw", purpose: "csrf", validUntil: new Date(Date.now() + 3_600_000).toISOString() } })).grant.id;
    await expectCase("cross-origin approve", false, call(approveRoute.POST, "POST", `/api/grants/${id}/approve`, energyAdmin, { params: { id }, body: {}, origin: "http://evil.example" }));
    await expectCase("same-origin approve", true, call(approveRoute.POST, "POST", `/api/grants/${id}/approve`, energyAdmin, { params: { id }, body: {} }));
    // Demote the energy admin: their next request acts as an official.
    await expectCase("sysadmin demotes energy admin", true, call(userRoute.PATCH, "PATCH", `/api/auth/users/${energyAdmin.userId}`, sysV, { params: { id: energyAdmin.userId! }, body: { role: "official" } }));
    await expectCase("demoted admin GET /api/grants", false, call(grantsRoute.GET, "GET", "/api/grants", energyAdmin));
    await expectCase("demoted admin still reads own data", true, call(readingsRoute.GET, "GET", "/api/datasets/energy.load/readings", energyAdmin, { params: { id: "energy.load" } }));
    // Move a citizen official to energy: they read energy's data from the next request on.
    await expectCase("citizen official GET energy.load", false, call(readingsRoute.GET, "GET", "/api/datasets/energy.load/readings", citizenOfficial, { params: { id: "energy.load" } }));
    await expectCase("sysadmin moves official to energy", true, call(userRoute.PATCH, "PATCH", `/api/auth/users/${citizenOfficial.userId}`, sysV, { params: { id: citizenOfficial.userId! }, body: { departmentId: "energy" } }));
    await expectCase("moved official GET energy.load", true, call(readingsRoute.GET, "GET", "/api/datasets/energy.load/readings", citizenOfficial, { params: { id: "energy.load" } }));
    // Disable the energy official: their session ends at once.
    await expectCase("energy official GET energy.load", true, call(readingsRoute.GET, "GET", "/api/datasets/energy.load/readings", energyOfficial, { params: { id: "energy.load" } }));
    await expectCase("sysadmin disables energy official", true, call(userRoute.PATCH, "PATCH", `/api/auth/users/${energyOfficial.userId}`, sysV, { params: { id: energyOfficial.userId! }, body: { disabled: true } }));
    await expectCase("disabled official GET energy.load", false, call(readingsRoute.GET, "GET", "/api/datasets/energy.load/readings", energyOfficial, { params: { id: "energy.load" } }));
    const me = await (await call(meRoute.GET, "GET", "/api/auth/me", energyOfficial)).json();
    expect(me.signedIn).toBe(false);
    // A disabled account cannot sign in again.
    const u = fx.users.find((x) => x.departmentId === "energy" && x.role === "official")!;
    const again = await call(authRoute.POST, "POST", "/api/auth/sign-in/email", { cookie: null }, { body: { email: u.email, password: u.password } });
    const meAgain = await (await call(meRoute.GET, "GET", "/api/auth/me", { cookie: cookiesOf(again) || null })).json();
    expect(meAgain.signedIn).toBe(false);
    // Sign-out ends the session.
    const sa = viewers.find((v) => v.label === "official@safety")!;
    await expectCase("safety official GET safety.incidents", true, call(readingsRoute.GET, "GET", "/api/datasets/safety.incidents/readings", sa, { params: { id: "safety.incidents" } }));
    const out = await call(authRoute.POST, "POST", "/api/auth/sign-out", sa, { body: {} });
    expect(out.status).toBe(200);
    await expectCase("signed-out GET safety.incidents", false, call(readingsRoute.GET, "GET", "/api/datasets/safety.incidents/readings", sa, { params: { id: "safety.incidents" } }));
    // Wrong passwords are limited per account.
    const victim = fx.users.find((x) => x.departmentId === "traffic" && x.role === "auditor")!;
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await call(authRoute.POST, "POST", "/api/auth/sign-in/email", { cookie: null }, { body: { email: victim.email, password: "wrong-password-xx" } })).status);
    expect(codes.slice(0, 5).every((c) => c === 401)).toBe(true);
    expect(codes.slice(5)).toEqual([429, 429]);
    expect(failures).toEqual([]);
    expect(ownerOf("energy.load")).toBe("energy");
  }, 120_000);
});

function sampleValues(dataset: string): Record<string, number | string | boolean> {
  switch (dataset) {
    case "traffic.flow":
      return { segmentId: "s1", speedKmh: 40, flowVehH: 900, occupancy: 0.2 };
    case "energy.load":
      return { meter: "feeder", loadMw: 12, utilisation: 0.6, voltageKv: 10.3 };
    case "safety.incidents":
      return { incidentId: "inc-1", type: "accident", severity: 2, status: "reported", startedAt: "2026-11-25T08:00:00.000Z", endedAt: "2026-11-25T09:00:00.000Z", segmentId: "s1", lanesBlocked: 1 };
    case "safety.cameras":
      return { online: true, vehiclesPerMin: 10, pedestriansPerMin: 2, alert: "none" };
    default:
      return { serviceCode: "pothole", description: "hole", status: "open" };
  }
}

export { ROLES };
