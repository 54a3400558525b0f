/**
 * `npm run ngsi:bridge` end to end: the CLI in its own process makes and registers a gateway,
 * then reads a department's NGSI-LD broker (a local HTTP server paging its entities, behind an
 * API key) and a file of entities, and forwards them through the console's real sign-in,
 * device and ingest route handlers in gateway-signed batches. Mapped entities are stored with
 * their source device's signature and the gateway's batch; skipped and refused ones are named;
 * an unchanged entity read again is acknowledged, not stored twice.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "../testing/test-databases";
import { runTool, startConsoleHarness, toolEnv, type ConsoleHarness } from "../testing/console-harness";
import { envelopeBytes } from "../ingest/envelope";
import { ed25519Check } from "../ingest/verifier";
import { integrateAndAudit } from "../ingest/testing/ingest-fixture";
import type { TrafficSensor } from "../city/types";
import { entityFromRow, keyValues, normalized, type Entity } from "./entities";
import { refreshRollup } from "../map/rollup";

const [target] = await testTargets();

describe(`ngsi:bridge into a console on ${target.name}`, () => {
  let broker: http.Server;
  let brokerUrl: string;
  let h: ConsoleHarness, dir: string, env: Record<string, string>;
  const bridge = (args: string[], extra: Record<string, string> = {}) => runTool("scripts/ngsi-bridge.ts", args, { ...env, ...extra });
  const verify = ed25519Check();
  const seen: { offset: string | null; limit: string | null; type: string | null; auth: string | undefined }[] = [];
  let entities: Record<string, unknown>[];
  const served: Record<string, Entity> = {};
  let sensors: TrafficSensor[];
  const at = new Date(Date.now() + 1000); // after the devices' registration (readings before it are refused)

  beforeAll(async () => {
    h = await startConsoleHarness(target, "bridge-it");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cb-bridge-"));
    env = toolEnv(h, dir);
    sensors = h.city.devices.filter((d): d is TrafficSensor => d.kind === "traffic-sensor").slice(0, 4);
    // The department's broker holds what another console would serve: three good sensors, an
    // Alert (not mapped), a speed the console refuses, and one nowhere near a road.
    const tfo = (s: TrafficSensor, id: string, speedKmh: number, lonLat = s.location) =>
      (served[id] = entityFromRow("TrafficFlowObserved", { key: id, device_id: id, observed_at: at, leaf_index: 0, lon: lonLat[0], lat: lonLat[1], payload: { segmentId: s.segmentId, speedKmh, flowVehH: 600, occupancy: 0.1 } }, "traffic")!);
    const farAway = normalized(tfo(sensors[0], "BR-5", 30, [0.5, 0.5]), null);
    delete farAway.refRoadSegment;
    entities = [
      normalized(tfo(sensors[0], "BR-1", 41), null),
      normalized(tfo(sensors[1], "BR-2", 52), null),
      { id: "urn:ngsi-ld:Alert:X-1", type: "Alert", location: { type: "GeoProperty", value: { type: "Point", coordinates: sensors[0].location } } },
      normalized(tfo(sensors[2], "BR-3", 33), null),
      normalized(tfo(sensors[3], "BR-4", 250), null),
      farAway,
    ];
    broker = http.createServer((req, res) => {
      const u = new URL(req.url!, "http://x");
      seen.push({ offset: u.searchParams.get("offset"), limit: u.searchParams.get("limit"), type: u.searchParams.get("type"), auth: req.headers.authorization });
      if (u.pathname !== "/ngsi-ld/v1/entities") return void res.writeHead(404).end();
      if (req.headers.authorization !== "Bearer source-key") {
        return void res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ type: "https://uri.etsi.org/ngsi-ld/errors/Unauthorized", title: "Unauthorized", detail: "no API key" }));
      }
      const offset = Number(u.searchParams.get("offset") ?? 0), limit = Number(u.searchParams.get("limit") ?? 20);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(entities.slice(offset, offset + limit)));
    });
    await new Promise<void>((r) => broker.listen(0, "127.0.0.1", () => r()));
    brokerUrl = `http://127.0.0.1:${(broker.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    broker?.close();
    await h?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("makes and registers a gateway whose key stays in its 0600 file", async () => {
    const keyFile = path.join(dir, "gateway.json");
    const r = await bridge(["--init-gateway", keyFile, "--id", "gw-traffic-ngsi"]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const [g] = await h.db.sql.query<{ kind: string; dataset_id: string; department_id: string }>(`SELECT kind, dataset_id, department_id FROM device WHERE id = 'gw-traffic-ngsi'`);
    expect(g).toEqual({ kind: "gateway", dataset_id: "*", department_id: "traffic" });
    const again = await bridge(["--init-gateway", keyFile, "--id", "gw-traffic-ngsi"]);
    expect([again.code, again.stderr]).toEqual([3, expect.stringContaining("exists; a gateway's key is made once")]);
  });

  it("pages through the broker and forwards the mapped entities in gateway-signed batches, naming the rest", async () => {
    const r = await bridge(["--from", brokerUrl, "--gateway", path.join(dir, "gateway.json"), "--page-size", "2"], { NGSI_SOURCE_KEY: "source-key" });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/6 entities read: 3 stored, 0 already held, 3 not stored, 4 devices registered/);
    expect(r.stderr).toContain("urn:ngsi-ld:Alert:X-1: type Alert is not mapped (mapped: TrafficFlowObserved)");
    expect(r.stderr).toMatch(/urn:ngsi-ld:TrafficFlowObserved:BR-4: refused by the console \(out_of_range\): values\.speedKmh = 250/);
    expect(r.stderr).toContain("urn:ngsi-ld:TrafficFlowObserved:BR-5: no refRoadSegment and no road of the city model within 150 m");
    expect(seen.map((s) => [s.offset, s.limit, s.type, s.auth])).toEqual([
      ["0", "2", "TrafficFlowObserved", "Bearer source-key"], ["2", "2", "TrafficFlowObserved", "Bearer source-key"],
      ["4", "2", "TrafficFlowObserved", "Bearer source-key"], ["6", "2", "TrafficFlowObserved", "Bearer source-key"],
    ]);

    const rows = await h.db.sql.query<{ device_id: string; seq: string; observed_at: Date; lon: number; lat: number; payload: Record<string, string | number>; signature: Uint8Array; gateway: string | null; public_key: Uint8Array }>(
      `SELECT r.device_id, r.seq::text, r.observed_at, r.lon, r.lat, r.payload, r.signature, b.gateway_device_id AS gateway, d.public_key
         FROM reading r JOIN device d ON d.id = r.device_id LEFT JOIN gateway_batch b ON b.id = r.gateway_batch_id
        WHERE r.device_id LIKE 'ngsi-%' ORDER BY r.device_id`,
    );
    expect(rows.map((x) => [x.device_id, x.payload, x.gateway, new Date(x.observed_at).toISOString()])).toEqual([
      ["ngsi-TrafficFlowObserved:BR-1", { segmentId: sensors[0].segmentId, speedKmh: 41, flowVehH: 600, occupancy: 0.1 }, "gw-traffic-ngsi", at.toISOString()],
      ["ngsi-TrafficFlowObserved:BR-2", { segmentId: sensors[1].segmentId, speedKmh: 52, flowVehH: 600, occupancy: 0.1 }, "gw-traffic-ngsi", at.toISOString()],
      ["ngsi-TrafficFlowObserved:BR-3", { segmentId: sensors[2].segmentId, speedKmh: 33, flowVehH: 600, occupancy: 0.1 }, "gw-traffic-ngsi", at.toISOString()],
    ]);
    for (const x of rows) {
      const envelope = { device: x.device_id, dataset: "traffic.flow", seq: Number(x.seq), observedAt: new Date(x.observed_at).toISOString(), location: [x.lon, x.lat] as [number, number], values: x.payload };
      expect(verify(x.device_id, new Uint8Array(x.public_key), envelopeBytes(envelope), new Uint8Array(x.signature))).toBe(true);
    }
    const audit = await integrateAndAudit(h.db);
    expect(audit.ok, JSON.stringify(audit)).toBe(true);
    // Registered with their road segment and drawn on it (the map's rollup places them as it folds their readings).
    await refreshRollup(h.db.sql, h.city);
    const placed = await h.db.sql.query<{ id: string; segment_id: string | null; placed: string | null }>(
      `SELECT d.id, d.segment_id, s.segment_id AS placed FROM device d LEFT JOIN map_sensor s ON s.device_id = d.id AND s.origin = 'registry'
        WHERE d.id IN ('ngsi-TrafficFlowObserved:BR-1', 'ngsi-TrafficFlowObserved:BR-2', 'ngsi-TrafficFlowObserved:BR-3') ORDER BY d.id`,
    );
    expect(placed.map((x) => [x.segment_id, x.placed])).toEqual(sensors.slice(0, 3).map((x) => [x.segmentId, x.segmentId]));
  });

  it("reads a file of entities (keyValues); an unchanged entity is acknowledged as already held", async () => {
    const file = path.join(dir, "entities.json");
    fs.writeFileSync(file, JSON.stringify(["BR-1", "BR-2", "BR-3"].map((id) => keyValues(served[id], null))));
    const r = await bridge(["--from", file, "--gateway", path.join(dir, "gateway.json")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 entities read: 0 stored, 3 already held, 0 not stored, 0 devices registered/);
    const n = await h.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading WHERE device_id LIKE 'ngsi-%'`);
    expect(n[0].n).toBe(3);
  });

  it("exits 2 naming the problem when the source cannot be read", async () => {
    const noKey = await bridge(["--from", brokerUrl, "--gateway", path.join(dir, "gateway.json")]);
    expect([noKey.code, noKey.stderr.trim()]).toEqual([2, `ngsi:bridge: GET ${brokerUrl}/ngsi-ld/v1/entities?type=TrafficFlowObserved&limit=100&offset=0: 401 Unauthorized: no API key`]);
    const missing = await bridge(["--from", path.join(dir, "none.json"), "--gateway", path.join(dir, "gateway.json")]);
    expect([missing.code, missing.stderr.trim()]).toEqual([2, `ngsi:bridge: ${path.join(dir, "none.json")} cannot be read: ENOENT`]);
    const noGateway = await bridge(["--from", path.join(dir, "entities.json"), "--gateway", path.join(dir, "none.json")]);
    expect([noGateway.code, noGateway.stderr]).toEqual([3, expect.stringContaining("make one with --init-gateway")]);
  });
});
