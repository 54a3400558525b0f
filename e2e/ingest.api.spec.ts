import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { E2E_DATA_DIR, E2E_PORT } from "./config";
import { signerFromSeed } from "../lib/sim/simulator-keys";
import { signEnvelope, type Envelope } from "../lib/ingest/envelope";
import { readingsTopic } from "../lib/mqtt/topics";
import { connectDeviceAsync } from "../lib/mqtt/device-client";
import { demoUser, signIn } from "./sign-in";
import { simulatorSigner as deviceSigner } from "./helpers";

async function someSensor(request: import("@playwright/test").APIRequestContext) {
  await expect.poll(async () => (await (await request.get("/api/traffic/latest")).json()).readings.length, { timeout: 60_000 }).toBeGreaterThan(10);
  const sensors = (await (await request.get("/api/traffic/sensors")).json()).sensors as { id: string; segment: string; position: [number, number] }[];
  return sensors;
}

// A reading just after "now" for the device: seq = ms × 1000 + 999 stays below the simulator's next seq.
function reading(s: { id: string; segment: string; position: [number, number] }, speedKmh: number, at = Date.now()): Envelope {
  return {
    device: s.id,
    dataset: "traffic.flow",
    seq: at * 1000 + 999,
    observedAt: new Date(at).toISOString(),
    location: s.position,
    values: { segmentId: s.segment, speedKmh, flowVehH: 321, occupancy: 0.123 },
  };
}

test.describe("signed ingest over HTTP and MQTT", () => {
  test("a signed reading is stored with its leaf; resend, forgery, bad JSON and oversize get their answers", async ({ request }) => {
    const [s] = await someSensor(request);
    const signer = deviceSigner(s.id);
    const env = signEnvelope(reading(s, 12.3), signer.sign);
    const ok = await request.post("/api/ingest/readings", { data: env });
    expect(ok.status()).toBe(200);
    const body = await ok.json();
    expect(body).toMatchObject({ status: "accepted", duplicate: false, device: s.id });
    expect(Number.isInteger(body.leafIndex)).toBe(true);
    const again = await request.post("/api/ingest/readings", { data: env });
    expect(await again.json()).toMatchObject({ status: "accepted", duplicate: true, leafIndex: body.leafIndex });

    const forged = { ...env, values: { ...env.values, speedKmh: 99 } };
    const f = await request.post("/api/ingest/readings", { data: forged });
    expect(f.status()).toBe(422);
    expect(await f.json()).toMatchObject({ status: "refused", reason: "bad_signature", path: "signature" });
    const bad = await request.post("/api/ingest/readings", { data: Buffer.from("{oops"), headers: { "content-type": "application/json" } });
    expect(bad.status()).toBe(400);
    expect((await bad.json()).reason).toBe("malformed_json");
    const big = await request.post("/api/ingest/readings", { data: "x".repeat(40_000), headers: { "content-type": "application/json" } });
    expect(big.status()).toBe(413);
    const range = await request.post("/api/ingest/readings", { data: signEnvelope(reading(s, 500, Date.now() + 5), signer.sign) });
    expect(await range.json()).toMatchObject({ reason: "out_of_range", path: "values.speedKmh" });
  });

  test("a reading published over MQTT shows on the map's API", async ({ request }) => {
    const sensors = await someSensor(request);
    const s = sensors[sensors.length - 1];
    // As the device itself (issue 13): TLS with the console's local CA, user name and client id the device id, a token signed with its key.
    const ca = fs.readFileSync(path.join(E2E_DATA_DIR, "secrets", "mqtt-tls", "ca.crt"), "utf8");
    const client = await connectDeviceAsync(`mqtts://127.0.0.1:${E2E_PORT + 15000}`, { device: s.id, sign: deviceSigner(s.id).sign, ca }, { reconnectPeriod: 1000 });
    try {
      const speed = 7.7;
      await client.publishAsync(readingsTopic("traffic", "traffic.flow"), JSON.stringify(signEnvelope(reading(s, speed), deviceSigner(s.id).sign)), { qos: 1 });
      // PUBACK came after the commit: the map's query sees it now.
      const latest = (await (await request.get("/api/traffic/latest")).json()).readings as { device: string; speed: number }[];
      expect(latest.find((r) => r.device === s.id)?.speed).toBe(speed);
    } finally {
      await client.endAsync();
    }
  });

  test("device and dead-letter administration needs a department admin", async ({ request }) => {
    expect((await request.get("/api/devices")).status()).toBe(401);
    expect((await request.get("/api/dead-letters")).status()).toBe(401);
    const r = await request.post("/api/devices/trf-000001/revoke", { data: { reason: "x" } });
    expect([401, 403]).toContain(r.status()); // not signed in (or refused as cross-site before that)
    const doc = await (await request.get("/api/openapi.json")).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/api/ingest/readings", "/api/ingest/batch", "/api/devices", "/api/devices/{id}/revoke", "/api/dead-letters"]));
  });
});

test.describe("the device registry over HTTP, signed in", () => {
  test("a department admin registers a device with its key and its readings are stored; another department's admin may not", async ({ playwright, baseURL }) => {
    const admin = await playwright.request.newContext({ baseURL });
    const other = await playwright.request.newContext({ baseURL });
    try {
      await signIn(admin, baseURL!, demoUser("traffic", "dept_admin"));
      await signIn(other, baseURL!, demoUser("energy", "dept_admin"));
      const key = signerFromSeed(new Uint8Array(32).fill(42));
      const id = `trf-e2e-${Date.now() % 100000}`;
      const body = { id, departmentId: "traffic", datasetId: "traffic.flow", kind: "traffic-sensor", location: [121.45, 37.46], publicKey: Buffer.from(key.publicKey).toString("base64"), reason: "e2e" };
      const headers = { origin: baseURL! };
      expect((await other.post("/api/devices", { data: body, headers })).status()).toBe(403);
      const r = await admin.post("/api/devices", { data: body, headers });
      expect(r.status(), await r.text()).toBe(200);
      const list = await (await admin.get(`/api/devices?q=${id}`)).json();
      expect(list.devices).toEqual([expect.objectContaining({ id, status: "active", lastSeq: 0 })]);
      const reading = signEnvelope({ device: id, dataset: "traffic.flow", seq: 1, observedAt: new Date().toISOString(), location: [121.45, 37.46], values: { segmentId: "s", speedKmh: 50, flowVehH: 10, occupancy: 0.01 } }, key.sign);
      expect(await (await admin.post("/api/ingest/readings", { data: reading })).json()).toMatchObject({ status: "accepted", device: id, seq: 1 });
      expect((await (await admin.get(`/api/devices?q=${id}`)).json()).devices[0].lastSeq).toBe(1);
      const dl = await (await admin.get("/api/dead-letters?limit=5")).json();
      expect(dl.counts.length).toBeGreaterThan(0);
      expect((await other.get("/api/dead-letters?department=traffic")).status()).toBe(403);
    } finally {
      await admin.dispose();
      await other.dispose();
    }
  });
});
