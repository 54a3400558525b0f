/**
 * NGSI-LD conformance-style test of the console as a context source, against the real
 * PostgreSQL (PGlite when no server answers): the route handlers of app/ngsi-ld are called
 * with requests as a client sends them (API key or session cookie). Checks what each answer
 * CONTAINS: entities in both forms, paging and NGSILD-Results-Count, q, geo-queries, attrs,
 * ProblemDetails errors, the served @context; that a department without a grant sees no
 * entity of the dataset and one with an anonymized grant sees grid cells only; API keys (issued by
 * the department admin only, revoked at once, each use in the access log); and that served
 * entities validate against the official Smart Data Models JSON Schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "../testing/test-databases";
import { openAccessFixture, type AccessFixture } from "../access/testing/access-fixture";
import { generateCity, haversineM, type CityModel } from "../city";
import type { Device } from "../city/types";
import { startLog } from "../ledger-store/start-log";
import { loadConfig } from "../config";
import { refreshRollup } from "../map/rollup";
import { requestGrant } from "../grants/request-grant";
import { approveGrant } from "../grants/decide-grant";
import { createApiKey, createOAuthClient, listApiKeys, revokeApiKey } from "../access/api-keys";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { getBus } from "../events/bus";
import { openLeadership, soleLeadership, type Leadership } from "../cluster/leader";
import { sdmValidator } from "./testing/sdm-validator";
import { startNgsiNotifier, type Notifier } from "./notifier";
import * as subscriptionsRoute from "@/app/ngsi-ld/v1/subscriptions/route";
import * as subscriptionRoute from "@/app/ngsi-ld/v1/subscriptions/[id]/route";
import * as entitiesRoute from "@/app/ngsi-ld/v1/entities/route";
import * as entityRoute from "@/app/ngsi-ld/v1/entities/[id]/route";
import * as typesRoute from "@/app/ngsi-ld/v1/types/route";
import * as contextRoute from "@/app/ngsi-ld/v1/contexts/[name]/route";
import * as authRoute from "@/app/api/auth/[...all]/route";
import * as tokenRoute from "@/app/oauth/token/route";

const targets = await testTargets();
const target = targets.find((t) => t.name === "postgresql") ?? targets[0];
const BASE = "http://127.0.0.1:3413";
const MIN = 60_000;
type Json = Record<string, unknown>;
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

function call(h: unknown, url: string, headers: Record<string, string> = {}, params: Record<string, string> = {}, init: RequestInit = {}): Promise<Response> {
  return (h as Handler)(new Request(`${BASE}${url}`, { ...init, headers: { host: "127.0.0.1:3413", ...headers } }), { params: Promise.resolve(params) });
}

/** A local HTTP receiver of notifications on 127.0.0.1 answering `status` (changeable). */
async function receiver(status: number) {
  const got: Json[] = [];
  const r = { got, status, url: "", close: () => new Promise<void>((res) => server.close(() => res())) };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (r.status < 300) got.push(JSON.parse(body) as Json);
      res.writeHead(r.status).end();
    });
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", () => res()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  return r;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe(`NGSI-LD context source (${target.name})`, () => {
  let fx: AccessFixture;
  let city: CityModel;
  let stopLog: (() => Promise<void>) | undefined;
  let notifier: Notifier | undefined;
  let second: Notifier | undefined;
  const leaderships: Leadership[] = [];
  let disconnect: (() => Promise<void>) | undefined;
  const keys: Record<string, string> = {};
  let sensors: Device[] = [];
  const speeds = new Map<string, number>();
  const validate = sdmValidator();

  const get = async (url: string, key?: string, extra: Record<string, string> = {}) => {
    const res = await call(entitiesRoute.GET, url, { ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra });
    return { res, body: (await res.json()) as Json[] & Json };
  };

  beforeAll(async () => {
    fx = await openAccessFixture(target);
    stopLog = await startLog({ db: fx.db, config: loadConfig({ ...process.env, DATA_DIR: fx.dataDir, DATABASE_URL: "" }), log: () => {} });
    city = generateCity({ seed: "access-it", size: 0.2 });
    (globalThis as Record<symbol, unknown>)[Symbol.for("city-brain.city")] = city;
    const now = Date.now();
    sensors = city.devices.filter((d) => d.kind === "traffic-sensor").slice(0, 12);
    await fx.addReadings("traffic.flow", sensors.map((d, i) => {
      const speed = 20 + 5 * i;
      speeds.set(d.id, speed);
      return { device: d.id, at: new Date(now - (2 + i) * MIN), location: d.location, values: { segmentId: (d as { segmentId: string }).segmentId, speedKmh: speed, flowVehH: 300 + 10 * i, occupancy: 0.05 * (i % 10) } };
    }));
    const feeders = city.devices.filter((d) => d.kind === "feeder-meter").slice(0, 8);
    await fx.addReadings("energy.load", feeders.map((d, i) => ({ device: d.id, at: new Date(now - 3 * MIN), location: d.location, values: { meter: "feeder", loadMw: 3 + i, utilisation: 0.3 + 0.05 * i, voltageKv: 10.4 } })));
    const cams = city.devices.filter((d) => d.kind === "camera").slice(0, 6);
    await fx.addReadings("safety.cameras", cams.map((d, i) => ({ device: d.id, at: new Date(now - 4 * MIN), location: d.location, values: { online: i !== 0, vehiclesPerMin: 10 + i, pedestriansPerMin: 2 * i, alert: i === 1 ? "accident" : "none" } })));
    const terminal = city.devices.find((d) => d.kind === "dispatch-terminal")!;
    const seg = (sensors[0] as { segmentId: string }).segmentId;
    await fx.addReadings("safety.incidents", [0, 1].map((i) => ({
      device: terminal.id, at: new Date(now - (5 + i) * MIN), location: [sensors[i].location[0], sensors[i].location[1]] as [number, number],
      values: { incidentId: `inc-ngsi-${i}`, type: i ? "fire" : "accident", severity: i + 1, status: "responding", startedAt: new Date(now - 10 * MIN).toISOString(), endedAt: new Date(now + 50 * MIN).toISOString(), segmentId: seg, lanesBlocked: 1 },
    })));
    await refreshRollup(fx.db.sql, city);
    for (const dept of ["traffic", "energy", "safety"]) keys[dept] = (await createApiKey({ viewer: await fx.viewer(dept, "dept_admin"), name: `${dept} broker` })).key;
  }, 240_000);

  afterAll(async () => {
    await notifier?.stop();
    await second?.stop();
    for (const l of leaderships) await l.close();
    await disconnect?.();
    await stopLog?.();
    await fx?.close();
  });

  it("serves TrafficFlowObserved in normalized form with the console's @context in a Link header", async () => {
    const { res, body } = await get("/ngsi-ld/v1/entities?type=TrafficFlowObserved&limit=100", keys.traffic);
    expect(res.status).toBe(200);
    expect(res.headers.get("link")).toContain("/ngsi-ld/v1/contexts/city-brain.jsonld");
    expect(body.map((e) => e.id).sort()).toEqual(sensors.map((d) => `urn:ngsi-ld:TrafficFlowObserved:${d.id}`).sort());
    const e = body.find((x) => x.id === `urn:ngsi-ld:TrafficFlowObserved:${sensors[3].id}`)!;
    expect(e.averageVehicleSpeed).toMatchObject({ type: "Property", value: speeds.get(sensors[3].id), unitCode: "KMH" });
    expect(e.location).toEqual({ type: "GeoProperty", value: { type: "Point", coordinates: sensors[3].location } });
    expect((e.refRoadSegment as Json).type).toBe("Relationship");
    const ld = await get(`/ngsi-ld/v1/entities?type=TrafficFlowObserved&limit=1`, keys.traffic, { accept: "application/ld+json" });
    expect(ld.res.headers.get("content-type")).toBe("application/ld+json");
    expect(ld.body[0]["@context"]).toBe(`${BASE}/ngsi-ld/v1/contexts/city-brain.jsonld`);
    const ctx = await call(contextRoute.GET, "/ngsi-ld/v1/contexts/city-brain.jsonld", {}, { name: "city-brain.jsonld" });
    const doc = (await ctx.json()) as { "@context": Json };
    expect(doc["@context"].averageVehicleSpeed).toBe("https://smartdatamodels.org/dataModel.Transportation/averageVehicleSpeed");
  });

  it("pages with limit and offset and counts with count=true", async () => {
    const all = await get("/ngsi-ld/v1/entities?type=TrafficFlowObserved&limit=1000&options=keyValues", keys.energy);
    const ids = all.body.map((e) => e.id);
    const seen: unknown[] = [];
    for (let offset = 0; offset < ids.length; offset += 5) {
      const p = await get(`/ngsi-ld/v1/entities?type=TrafficFlowObserved&limit=5&offset=${offset}&count=true&options=keyValues`, keys.energy);
      expect(p.res.headers.get("NGSILD-Results-Count")).toBe(String(ids.length));
      expect(p.body.length).toBe(Math.min(5, ids.length - offset));
      seen.push(...p.body.map((e) => e.id));
    }
    expect(seen).toEqual(ids);
    expect([...ids].sort()).toEqual(ids);
  });

  it("answers q with comparisons joined by ; and |", async () => {
    const { body } = await get("/ngsi-ld/v1/entities?type=TrafficFlowObserved&q=averageVehicleSpeed%3E%3D50;intensity%3C400&options=keyValues&limit=100", keys.traffic);
    const want = sensors.filter((d, i) => speeds.get(d.id)! >= 50 && 300 + 10 * i < 400).map((d) => `urn:ngsi-ld:TrafficFlowObserved:${d.id}`).sort();
    expect(want.length).toBeGreaterThan(0);
    expect(body.map((e) => e.id).sort()).toEqual(want);
    const or = await get("/ngsi-ld/v1/entities?type=TrafficFlowObserved&q=averageVehicleSpeed==20|averageVehicleSpeed==25..30&options=keyValues", keys.traffic);
    expect(or.body.map((e) => e.averageVehicleSpeed).sort()).toEqual([20, 25, 30]);
    const str = await get(`/ngsi-ld/v1/entities?type=Alert&q=incidentType==%22fire%22&options=keyValues`, keys.safety);
    expect(str.body.map((e) => e.id)).toEqual(["urn:ngsi-ld:Alert:inc-ngsi-1"]);
  });

  it("answers geo-queries: near;maxDistance and within a Polygon", async () => {
    const c = sensors[0].location;
    const { body } = await get(`/ngsi-ld/v1/entities?type=TrafficFlowObserved&georel=near;maxDistance==1500&geometry=Point&coordinates=${encodeURIComponent(JSON.stringify(c))}&options=keyValues&limit=100`, keys.traffic);
    const want = sensors.filter((d) => haversineM(c, d.location) <= 1500).map((d) => `urn:ngsi-ld:TrafficFlowObserved:${d.id}`).sort();
    expect(body.map((e) => e.id).sort()).toEqual(want);
    const [x, y] = c;
    const poly = [[[x - 0.001, y - 0.001], [x + 0.001, y - 0.001], [x + 0.001, y + 0.001], [x - 0.001, y + 0.001], [x - 0.001, y - 0.001]]];
    const within = await get(`/ngsi-ld/v1/entities?type=TrafficFlowObserved&georel=within&geometry=Polygon&coordinates=${encodeURIComponent(JSON.stringify(poly))}&options=keyValues`, keys.traffic);
    const inBox = sensors.filter((d) => Math.abs(d.location[0] - x) < 0.001 && Math.abs(d.location[1] - y) < 0.001).map((d) => `urn:ngsi-ld:TrafficFlowObserved:${d.id}`).sort();
    expect(within.body.map((e) => e.id).sort()).toEqual(inBox);
    expect(inBox).toContain(`urn:ngsi-ld:TrafficFlowObserved:${sensors[0].id}`);
  });

  it("picks attributes with attrs and gets one entity by id", async () => {
    const id = `urn:ngsi-ld:TrafficFlowObserved:${sensors[2].id}`;
    const res = await call(entityRoute.GET, `/ngsi-ld/v1/entities/${encodeURIComponent(id)}?attrs=averageVehicleSpeed&options=keyValues`, { "x-api-key": keys.traffic }, { id: encodeURIComponent(id) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id, type: "TrafficFlowObserved", averageVehicleSpeed: speeds.get(sensors[2].id) });
  });

  it("answers bad requests with NGSI-LD ProblemDetails, never a 500", async () => {
    const cases: [string, number, string][] = [
      ["/ngsi-ld/v1/entities?type=TrafficFlowObserved&q=speed%3E%3E1", 400, "BadRequestData"],
      ["/ngsi-ld/v1/entities?type=TrafficFlowObserved&q=(a==1)", 400, "BadRequestData"],
      ["/ngsi-ld/v1/entities?type=TrafficFlowObserved&limit=5000", 400, "TooManyResults"],
      ["/ngsi-ld/v1/entities?type=TrafficFlowObserved&limit=-1", 400, "BadRequestData"],
      ["/ngsi-ld/v1/entities?type=TrafficFlowObserved&georel=near;maxDistance==10&geometry=Point", 400, "BadRequestData"],
      ["/ngsi-ld/v1/entities?type=TrafficFlowObserved&georel=within&geometry=Point&coordinates=[1,2]", 400, "BadRequestData"],
      ["/ngsi-ld/v1/entities?type=TrafficFlowObserved&georel=near;maxDistance==10&geometry=Point&coordinates=nope", 400, "BadRequestData"],
      ["/ngsi-ld/v1/entities", 400, "BadRequestData"],
      ["/ngsi-ld/v1/entities?type=TrafficFlowObserved&options=sideways", 400, "BadRequestData"],
    ];
    for (const [url, status, type] of cases) {
      const { res, body } = await get(url, keys.traffic);
      expect([url, res.status]).toEqual([url, status]);
      expect(body.type).toBe(`https://uri.etsi.org/ngsi-ld/errors/${type}`);
      expect(typeof body.detail).toBe("string");
    }
    const missing = await call(entityRoute.GET, "/ngsi-ld/v1/entities/urn:ngsi-ld:TrafficFlowObserved:nope", { "x-api-key": keys.traffic }, { id: "urn:ngsi-ld:TrafficFlowObserved:nope" });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as Json).type).toBe("https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound");
  });

  it("shows a department only the datasets it may read, and an anonymized grant as grid cells only", async () => {
    // energy.load is the energy department's, internal: the traffic department sees nothing of it.
    const none = await get("/ngsi-ld/v1/entities?type=ACMeasurement&limit=100", keys.traffic);
    expect(none.res.status).toBe(200);
    expect(none.body).toEqual([]);
    const devs = await get("/ngsi-ld/v1/entities?type=Device&limit=1000&options=keyValues", keys.traffic);
    expect(devs.body.every((e) => e.dataset === "traffic.flow")).toBe(true);
    const noAlerts = await get("/ngsi-ld/v1/entities?type=Alert", keys.traffic);
    expect(noAlerts.body).toEqual([]);
    const types = (await (await call(typesRoute.GET, "/ngsi-ld/v1/types", { "x-api-key": keys.traffic })).json()) as Json;
    expect(types.typeList).toEqual(["TrafficFlowObserved", "Device"]);
    const own = await get("/ngsi-ld/v1/entities?type=ACMeasurement&limit=100&options=keyValues", keys.energy);
    expect(own.body.length).toBe(8);
    expect(own.body.map((e) => (e.refDevice as string[])[0]).sort()).toEqual(own.body.map((e) => String(e.id).replace(":ACMeasurement:", ":Device:")).sort());
    // An anonymized grant: 0.01° grid cells with the means, no device id anywhere.
    const { grant } = await requestGrant({
      viewer: await fx.viewer("traffic", "dept_admin"),
      request: { datasetId: "energy.load", scope: "anonymized", purpose: "ngsi-ld test", validUntil: new Date(Date.now() + 3600_000).toISOString() },
    });
    await approveGrant({ viewer: await fx.viewer("energy", "dept_admin"), grantId: grant.id });
    const agg = await get("/ngsi-ld/v1/entities?type=ACMeasurement&limit=100&options=keyValues", keys.traffic);
    const text = JSON.stringify(agg.body);
    for (const d of city.devices.filter((x) => x.kind === "feeder-meter").slice(0, 8)) expect(text).not.toContain(d.id);
    expect(agg.body.length).toBeGreaterThan(0);
    expect(agg.body.reduce((n, e) => n + (e.aggregatedDevices as number), 0)).toBe(8);
    for (const e of agg.body) {
      expect(String(e.id)).toContain(":cell-");
      expect(e.scope).toBe("anonymized");
      expect(e).not.toHaveProperty("refDevice");
      for (const v of (e.location as { coordinates: number[] }).coordinates) expect(Math.abs(v * 100 - Math.round(v * 100))).toBeLessThan(1e-6);
    }
    const aggDevices = await get("/ngsi-ld/v1/entities?type=Device&limit=1000&options=keyValues", keys.traffic);
    expect(aggDevices.body.some((e) => e.dataset === "energy.load")).toBe(false);
  });

  it("issues API keys to department admins only, logs each use and refuses a revoked key", async () => {
    await expect(createApiKey({ viewer: await fx.viewer("traffic", "official"), name: "nope" })).rejects.toMatchObject({ code: "forbidden" });
    const made = await createApiKey({ viewer: await fx.viewer("safety", "dept_admin"), name: "short-lived" });
    expect(made.key).toMatch(/^cbk_[a-z0-9]{12}_/);
    const [row] = await fx.db.sql.query<{ secret_hash: string }>(`SELECT secret_hash FROM api_key WHERE id = $1`, [made.id]);
    expect(made.key).not.toContain(row.secret_hash);
    const listed = await listApiKeys({ viewer: await fx.viewer("safety", "dept_admin") });
    expect(listed.find((k) => k.id === made.id)).not.toHaveProperty("key");
    await expect(listApiKeys({ viewer: await fx.viewer("traffic", "dept_admin"), departmentId: "safety" })).rejects.toMatchObject({ code: "forbidden" });
    const ok = await get("/ngsi-ld/v1/entities?type=Alert&options=keyValues", made.key);
    expect(ok.body.map((e) => e.id).sort()).toEqual(["urn:ngsi-ld:Alert:inc-ngsi-0", "urn:ngsi-ld:Alert:inc-ngsi-1"]);
    const events = await fx.db.sql.query<{ dataset_id: string; department_id: string; record_count: number }>(
      `SELECT dataset_id, department_id, record_count FROM access_event WHERE user_id = $1 AND action = 'ngsi.entities'`, [`apikey:${made.id}`],
    );
    expect(events).toEqual([{ dataset_id: "safety.incidents", department_id: "safety", record_count: 2 }]);
    await expect(revokeApiKey({ viewer: await fx.viewer("traffic", "dept_admin"), id: made.id })).rejects.toMatchObject({ code: "forbidden" });
    await revokeApiKey({ viewer: await fx.viewer("safety", "dept_admin"), id: made.id });
    const refused = await get("/ngsi-ld/v1/entities?type=Alert", made.key);
    expect(refused.res.status).toBe(401);
    expect(refused.body.detail).toContain("revoked");
    const forged = await get("/ngsi-ld/v1/entities?type=Alert", `${made.key.slice(0, -4)}AAAA`);
    expect(forged.res.status).toBe(401);
  });

  it("trades OAuth client credentials for a short-lived token that reads exactly as the department's key, with RFC 6749 errors", async () => {
    const token = (body: string, headers: Record<string, string> = {}) =>
      call(tokenRoute.POST, "/oauth/token", { "content-type": "application/x-www-form-urlencoded", ...headers }, {}, { method: "POST", body });
    const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}` });
    await expect(createOAuthClient({ viewer: await fx.viewer("safety", "official"), name: "nope" })).rejects.toMatchObject({ code: "forbidden" });
    const client = await createOAuthClient({ viewer: await fx.viewer("safety", "dept_admin"), name: "safety dispatch system" });
    const [row] = await fx.db.sql.query<{ secret_hash: string; kind: string }>(`SELECT secret_hash, kind FROM api_key WHERE id = $1`, [client.clientId]);
    expect(row.kind).toBe("oauth_client");
    expect(row.secret_hash).not.toContain(client.clientSecret);
    const listed = (await listApiKeys({ viewer: await fx.viewer("safety", "dept_admin") })).find((k) => k.id === client.clientId);
    expect(listed).toMatchObject({ kind: "oauth_client", name: "safety dispatch system", revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(client.clientSecret);

    const ok = await token("grant_type=client_credentials&scope=ngsi-ld", basic(client.clientId, client.clientSecret));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    const granted = (await ok.json()) as { access_token: string; token_type: string; expires_in: number; scope: string };
    expect(granted).toEqual({ access_token: expect.stringMatching(/^cbt_[A-Za-z0-9_-]{43}$/), token_type: "Bearer", expires_in: 900, scope: "ngsi-ld" });
    const [stored] = await fx.db.sql.query<{ token_hash: string; ttl: number }>(
      `SELECT token_hash, extract(epoch FROM expires_at - created_at)::float8 AS ttl FROM oauth_token WHERE client_id = $1`, [client.clientId],
    );
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.ttl).toBeCloseTo(900, 0);

    // The same access check and scoped read as the department's API key: the same entities of every type.
    for (const type of ["Alert", "TrafficFlowObserved", "ACMeasurement", "Camera", "Device"]) {
      const q = `/ngsi-ld/v1/entities?type=${type}&limit=1000&options=keyValues`;
      const [viaToken, viaKey] = [await get(q, granted.access_token), await get(q, keys.safety)];
      expect(viaToken.res.status).toBe(200);
      expect(viaToken.body, type).toEqual(viaKey.body);
    }
    const alerts = await get("/ngsi-ld/v1/entities?type=Alert&options=keyValues", granted.access_token);
    expect(alerts.body.map((e) => e.id).sort()).toEqual(["urn:ngsi-ld:Alert:inc-ngsi-0", "urn:ngsi-ld:Alert:inc-ngsi-1"]);
    const events = await fx.db.sql.query<{ dataset_id: string; department_id: string; role: string }>(
      `SELECT DISTINCT dataset_id, department_id, role FROM access_event WHERE user_id = $1 AND action = 'ngsi.entities' ORDER BY dataset_id`, [`oauth:${client.clientId}`],
    );
    expect(events.map((e) => e.dataset_id)).toContain("safety.incidents");
    expect(events.every((e) => e.department_id === "safety" && e.role === "official")).toBe(true);

    // client_secret_post works too; every error is RFC 6749 §5.2's.
    expect((await token(`grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}`)).status).toBe(200);
    const err = async (res: Response) => ({ status: res.status, challenge: res.headers.get("www-authenticate"), ...((await res.json()) as { error: string; error_description: string }) });
    expect(await err(await token("grant_type=client_credentials", basic(client.clientId, "wrong")))).toMatchObject({ status: 401, error: "invalid_client", challenge: 'Basic realm="city-brain"' });
    expect(await err(await token("grant_type=client_credentials"))).toMatchObject({ status: 401, error: "invalid_client", error_description: expect.stringMatching(/no client authentication/) });
    expect(await err(await token("grant_type=password&username=a&password=b", basic(client.clientId, client.clientSecret)))).toMatchObject({ status: 400, error: "unsupported_grant_type" });
    expect(await err(await token("", basic(client.clientId, client.clientSecret)))).toMatchObject({ status: 400, error: "invalid_request", error_description: "grant_type is missing" });
    expect(await err(await token("grant_type=client_credentials&grant_type=client_credentials", basic(client.clientId, client.clientSecret)))).toMatchObject({ status: 400, error: "invalid_request" });
    expect(await err(await token("grant_type=client_credentials&scope=admin", basic(client.clientId, client.clientSecret)))).toMatchObject({ status: 400, error: "invalid_scope" });
    expect(await err(await token(`grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}`, basic(client.clientId, client.clientSecret)))).toMatchObject({ status: 400, error: "invalid_request" });
    expect(await err(await token("grant_type=client_credentials", { ...basic(client.clientId, client.clientSecret), "content-type": "application/json" }))).toMatchObject({ status: 400, error: "invalid_request" });
    // An API key is not an OAuth client, and a client's secret is not an API key.
    const apiKey = await createApiKey({ viewer: await fx.viewer("safety", "dept_admin"), name: "not a client" });
    expect(await err(await token("grant_type=client_credentials", basic(apiKey.id, apiKey.key.slice(apiKey.id.length + 5))))).toMatchObject({ status: 401, error: "invalid_client" });
    expect((await get("/ngsi-ld/v1/entities?type=Alert", `cbk_${client.clientId}_${client.clientSecret}`)).res.status).toBe(401);

    // An expired token, and every token of a revoked client, is refused; the client gets no new one.
    const second = (await (await token("grant_type=client_credentials", basic(client.clientId, client.clientSecret))).json()) as { access_token: string };
    await fx.db.sql.query(`UPDATE oauth_token SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [stored.token_hash]);
    const expired = await get("/ngsi-ld/v1/entities?type=Alert", granted.access_token);
    expect([expired.res.status, expired.body.detail]).toEqual([401, expect.stringContaining("expired")]);
    expect((await get("/ngsi-ld/v1/entities?type=Alert", second.access_token)).res.status).toBe(200);
    await revokeApiKey({ viewer: await fx.viewer("safety", "dept_admin"), id: client.clientId });
    const revoked = await get("/ngsi-ld/v1/entities?type=Alert", second.access_token);
    expect([revoked.res.status, revoked.body.detail]).toEqual([401, expect.stringContaining("revoked")]);
    expect(await err(await token("grant_type=client_credentials", basic(client.clientId, client.clientSecret)))).toMatchObject({ status: 401, error: "invalid_client", error_description: expect.stringContaining("revoked") });
    expect((await get("/ngsi-ld/v1/entities?type=Alert", "cbt_" + "A".repeat(43))).res.status).toBe(401);
  });

  it("reads with a signed-in user's session as with the department's key", async () => {
    const u = fx.users.find((x) => x.departmentId === "safety" && x.role === "official")!;
    const signIn = await (authRoute.POST as unknown as Handler)(
      new Request(`${BASE}/api/auth/sign-in/email`, { method: "POST", headers: { host: "127.0.0.1:3413", origin: BASE, "content-type": "application/json" }, body: JSON.stringify({ email: u.email, password: u.password }) }),
      { params: Promise.resolve({}) },
    );
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    const { body } = await get("/ngsi-ld/v1/entities?type=Alert&options=keyValues&q=severity==%22critical%22", undefined, { cookie });
    expect(body.map((e) => e.id)).toEqual(["urn:ngsi-ld:Alert:inc-ngsi-0"]);
    const guest = await get("/ngsi-ld/v1/entities?type=Alert");
    expect(guest.body).toEqual([]);
    const publicFlow = await get("/ngsi-ld/v1/entities?type=TrafficFlowObserved&limit=1&count=true");
    expect(publicFlow.res.headers.get("NGSILD-Results-Count")).toBe(String(sensors.length));
    const [user] = await fx.db.sql.query<{ id: string }>(`SELECT id FROM auth_user WHERE email = $1`, [u.email]);
    const logged = await fx.db.sql.query(`SELECT 1 FROM access_event WHERE user_id = $1 AND action = 'ngsi.entities' AND dataset_id = 'safety.incidents'`, [user.id]);
    expect(logged.length).toBe(1);
  });

  it("keeps API keys and subscriptions in the tables the Prisma models describe", async () => {
    const k = await fx.db.prisma.apiKey.findMany({ where: { departmentId: "traffic" } });
    expect(k.length).toBeGreaterThan(0);
    expect(k[0]).toMatchObject({ departmentId: "traffic", revokedAt: null });
    expect(k[0].secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await fx.db.prisma.ngsiSubscription.count()).toBe(0);
    expect(await fx.db.prisma.oAuthToken.count()).toBeGreaterThan(0);
  });

  it("serves entities valid against the official Smart Data Models JSON Schemas", async () => {
    const problems: string[] = [];
    let n = 0;
    for (const [type, key] of [["TrafficFlowObserved", keys.traffic], ["ACMeasurement", keys.energy], ["Camera", keys.safety], ["Alert", keys.safety], ["Device", keys.safety], ["Device", keys.energy]] as const) {
      const { body } = await get(`/ngsi-ld/v1/entities?type=${type}&limit=1000&options=keyValues`, key);
      expect(body.length, type).toBeGreaterThan(0);
      for (const e of body) {
        n++;
        problems.push(...validate(e));
      }
    }
    console.log(`Smart Data Models validation: ${n} entities, ${problems.length} problems`);
    expect(problems).toEqual([]);
    expect(validate({ id: "urn:ngsi-ld:Alert:x", type: "Alert", category: "sideways" }).length).toBeGreaterThan(0);
  });

  it("notifies subscribers through a local receiver, honours access and throttling, and shows a failing endpoint", async () => {
    disconnect = await getBus().connect(fx.db.sql);
    const logs: string[] = [];
    // On PostgreSQL, two notifiers as two console processes would run them: each with its own
    // leadership on the database, both hearing every map update; only the role's holder sends.
    const dbUrl = (fx.db as { url?: string }).url;
    const lead = async () => {
      if (!dbUrl) return soleLeadership();
      const l = await openLeadership({ url: dbUrl, pollMs: 100 });
      leaderships.push(l);
      return l;
    };
    notifier = startNgsiNotifier({ sql: fx.db.sql, bus: getBus(), leadership: await lead(), log: (m) => logs.push(m), intervalMs: 200 });
    if (dbUrl) second = startNgsiNotifier({ sql: fx.db.sql, bus: getBus(), leadership: await lead(), log: (m) => logs.push(m), intervalMs: 200 });
    if (dbUrl) await until("one holder of the ngsi-notify role", async () => leaderships.filter((l) => l.holds("ngsi-notify")).length === 1);
    const ok = await receiver(204);
    const failing = await receiver(503);
    const denied = await receiver(204);
    const post = async (key: string, body: Json) => {
      const res = await call(subscriptionsRoute.POST, "/ngsi-ld/v1/subscriptions", { authorization: `Bearer ${key}`, "content-type": "application/json" }, {}, { method: "POST", body: JSON.stringify(body) });
      return res;
    };
    const sub = (uri: string, extra: Json = {}) => ({
      type: "Subscription",
      entities: [{ type: "TrafficFlowObserved" }],
      watchedAttributes: ["averageVehicleSpeed"],
      notification: { endpoint: { uri, accept: "application/json" }, format: "keyValues", attributes: ["averageVehicleSpeed"] },
      ...extra,
    });
    const made = await post(keys.traffic, sub(ok.url, { throttling: 3600, q: "averageVehicleSpeed>=70" }));
    expect(made.status).toBe(201);
    const okId = decodeURIComponent(made.headers.get("location")!.split("/").pop()!);
    const failId = decodeURIComponent((await post(keys.energy, sub(failing.url))).headers.get("location")!.split("/").pop()!);
    // The traffic department may not read incidents: its Alert subscription gets nothing.
    const deniedRes = await post(keys.traffic, { type: "Subscription", entities: [{ type: "Alert" }], notification: { endpoint: { uri: denied.url } } });
    expect(deniedRes.status).toBe(201);
    // Bad subscriptions are ProblemDetails 400.
    for (const bad of [sub("ftp://127.0.0.1/x"), { ...sub(ok.url), entities: undefined, watchedAttributes: undefined }, sub(ok.url, { q: "a>>1" }), { ...sub(ok.url), type: "Nope" }]) {
      const res = await post(keys.traffic, bad);
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).type).toBe("https://uri.etsi.org/ngsi-ld/errors/BadRequestData");
    }
    expect((await post(keys.traffic, sub(ok.url, { id: okId }))).status).toBe(409);

    const now = Date.now();
    await fx.addReadings("traffic.flow", [{ device: sensors[0].id, at: new Date(now), location: sensors[0].location, values: { segmentId: (sensors[0] as { segmentId: string }).segmentId, speedKmh: 77, flowVehH: 500, occupancy: 0.2 } }]);
    const terminal = city.devices.find((d) => d.kind === "dispatch-terminal")!;
    await fx.addReadings("safety.incidents", [{ device: terminal.id, at: new Date(now), location: sensors[1].location, values: { incidentId: "inc-ngsi-9", type: "hazard", severity: 3, status: "reported", startedAt: new Date(now).toISOString(), endedAt: new Date(now + 3600_000).toISOString(), segmentId: "x", lanesBlocked: 0 } }]);
    await refreshRollup(fx.db.sql, city);

    const n = await until("a notification", async () => ok.got[0]);
    expect(n).toMatchObject({ type: "Notification", subscriptionId: okId, data: [{ id: `urn:ngsi-ld:TrafficFlowObserved:${sensors[0].id}`, type: "TrafficFlowObserved", averageVehicleSpeed: 77 }] });
    expect(Object.keys((n.data as Json[])[0]).sort()).toEqual(["averageVehicleSpeed", "id", "type"]);
    // The failing endpoint: counted, shown, retried with backoff (1 s, then 2 s).
    const shown = await until("two failures", async () => {
      const res = await call(subscriptionRoute.GET, `/ngsi-ld/v1/subscriptions/${encodeURIComponent(failId)}`, { "x-api-key": keys.energy }, { id: encodeURIComponent(failId) });
      const j = (await res.json()) as { notification: Json };
      return (j.notification.timesFailed as number) >= 2 ? j : null;
    });
    expect(shown.notification).toMatchObject({ status: "failed", timesSent: 0, lastFailureReason: "endpoint answered 503" });
    expect(typeof shown.notification.lastFailure).toBe("string");
    failing.status = 204;
    await until("the retry to succeed", async () => failing.got.length > 0);
    const after = (await (await call(subscriptionRoute.GET, `/ngsi-ld/v1/subscriptions/${encodeURIComponent(failId)}`, { "x-api-key": keys.energy }, { id: encodeURIComponent(failId) })).json()) as { notification: Json };
    expect(after.notification).toMatchObject({ status: "ok", timesSent: 1 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(failing.got.length).toBe(1); // one change, one notification, whichever process
    expect(leaderships.filter((l) => l.holds("ngsi-notify")).length).toBe(dbUrl ? 1 : 0);
    expect(logs.some((l) => l.includes("failed (endpoint answered 503)"))).toBe(true);
    // Throttled (an hour): a second change within the period sends nothing more.
    await fx.addReadings("traffic.flow", [{ device: sensors[0].id, at: new Date(now + 1000), location: sensors[0].location, values: { segmentId: (sensors[0] as { segmentId: string }).segmentId, speedKmh: 80, flowVehH: 500, occupancy: 0.2 } }]);
    await refreshRollup(fx.db.sql, city);
    await new Promise((r) => setTimeout(r, 1500));
    expect(ok.got.length).toBe(1);
    expect(denied.got).toEqual([]);
    const notified = await fx.db.sql.query<{ user_id: string; dataset_id: string }>(`SELECT user_id, dataset_id FROM access_event WHERE action = 'ngsi.notify' ORDER BY id`);
    expect(notified.every((e) => e.dataset_id === "traffic.flow")).toBe(true);
    expect(notified.length).toBeGreaterThanOrEqual(2);
    // Listing, another department's view, deleting.
    const list = (await (await call(subscriptionsRoute.GET, "/ngsi-ld/v1/subscriptions", { "x-api-key": keys.traffic })).json()) as Json[];
    expect(list.map((x) => x.id).sort()).toEqual([okId, decodeURIComponent(deniedRes.headers.get("location")!.split("/").pop()!)].sort());
    const other = await call(subscriptionRoute.GET, `/ngsi-ld/v1/subscriptions/${encodeURIComponent(okId)}`, { "x-api-key": keys.energy }, { id: encodeURIComponent(okId) });
    expect(other.status).toBe(404);
    const del = await call(subscriptionRoute.DELETE, `/ngsi-ld/v1/subscriptions/${encodeURIComponent(okId)}`, { "x-api-key": keys.traffic }, { id: encodeURIComponent(okId) }, { method: "DELETE" });
    expect(del.status).toBe(204);
    await Promise.all([ok.close(), failing.close(), denied.close()]);
  }, 60_000);
});
