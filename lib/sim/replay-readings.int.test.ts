/**
 * `npm run readings:replay` end to end: the CLI in its own process against a console's real
 * sign-in, device and ingest route handlers over HTTP, with a small recorded feed that has bad
 * rows. The sensors become registered devices (ledgered), their keys stay in the local key
 * file, every good row is stored as a reading signed by its sensor's key with its recorded time,
 * every bad row is named with its line number, and the ledger audits clean.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "../testing/test-databases";
import { runTool, startConsoleHarness, toolEnv, type ConsoleHarness } from "../testing/console-harness";
import { envelopeBytes } from "../ingest/envelope";
import { ed25519Check } from "../ingest/verifier";
import { integrateAndAudit } from "../ingest/testing/ingest-fixture";
import { decodeEntry } from "../ledger/entries";
import type { TrafficSensor } from "../city/types";
import { refreshRollup } from "../map/rollup";

const [target] = await testTargets();
const verify = ed25519Check();

const replay = (args: string[], env: Record<string, string>) => runTool("scripts/readings-replay.ts", args, env);

describe(`readings:replay into a console on ${target.name}`, () => {
  let h: ConsoleHarness;
  let dir: string;
  let env: Record<string, string>;
  let csv: string;
  let a: TrafficSensor, b: TrafficSensor;

  beforeAll(async () => {
    h = await startConsoleHarness(target, "replay-it");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cb-replay-"));
    env = toolEnv(h, dir);
    [a, b] = h.city.devices.filter((d): d is TrafficSensor => d.kind === "traffic-sensor");
    // The recorded feed: two detectors on the city's roads, 5 minutes apart, and bad rows.
    csv = path.join(dir, "recorded.csv");
    fs.writeFileSync(csv, [
      "detector_id,timestamp,latitude,longitude,speed_kmh,volume",
      `D-1,2026-05-01T08:00:00+08:00,${a.location[1]},${a.location[0]},41.5,620`, // line 2
      `D-2,2026-05-01T08:00:00+08:00,${b.location[1]},${b.location[0]},55,`, //       line 3
      `D-1,2026-05-01T08:05:00+08:00,${a.location[1]},${a.location[0]},38,700`, //    line 4
      `D-1,08:10,${a.location[1]},${a.location[0]},38,700`, //                        line 5: no date
      `D-2,2026-05-01T08:05:00+08:00,${b.location[1]},${b.location[0]},250,100`, //  line 6: above 130 km/h, refused by the console
      `D-3,2026-05-01T08:05:00+08:00,0.5,0.5,30,100`, //                               line 7: nowhere near a road
      `D-2,2026-05-01T08:10:00+08:00,${b.location[1]},${b.location[0]},52,300`, //    line 8
      `D-1,2026-05-01T08:00:00+08:00,${a.location[1]},${a.location[0]},40,600`, //    line 9: same sensor and instant as line 2
      "",
    ].join("\n"));
  });
  afterAll(async () => {
    await h?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("registers the sensors, stores every good row signed by its sensor and names every bad row by line", async () => {
    const r = await replay([csv, "--columns", "time=timestamp,sensor=detector_id,lat=latitude,lon=longitude,speed=speed_kmh,flow=volume", "--speed", "3000"], env);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain("4 stored, 0 already held, 4 rows not stored (2 bad in the file, 2 refused), 2 devices registered");
    expect(r.stderr).toMatch(/^recorded\.csv:5: time "08:10" is not ISO 8601/m);
    expect(r.stderr).toContain("recorded.csv:9: sensor D-1 already has a reading at this instant (line 2)");
    expect(r.stderr).toMatch(/^recorded\.csv:6: refused by the console \(out_of_range\): values\.speedKmh = 250 is outside/m);
    expect(r.stderr).toMatch(/^recorded\.csv:7: no road of the city model within 150 m/m);

    // The devices are registered with the keys of the local key file, which the console never saw.
    const keyFile = path.join(dir, "secrets", "replay-devices.json");
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const seeds = JSON.parse(fs.readFileSync(keyFile, "utf8")).devices as Record<string, string>;
    expect(Object.keys(seeds).sort()).toEqual(["rec-D-1", "rec-D-2"]);
    const devices = await h.db.sql.query<{ id: string; public_key: Uint8Array; kind: string; dataset_id: string }>(`SELECT id, public_key, kind, dataset_id FROM device WHERE id LIKE 'rec-%' ORDER BY id`);
    expect(devices.map((d) => [d.id, d.kind, d.dataset_id])).toEqual([["rec-D-1", "traffic-sensor", "traffic.flow"], ["rec-D-2", "traffic-sensor", "traffic.flow"]]);
    const registrations = await h.db.sql.query<{ entry: Uint8Array }>(`SELECT entry FROM ledger_leaf WHERE kind = 'device.v1' AND ref_id LIKE 'rec-%' ORDER BY leaf_index`);
    expect(registrations.map((x) => decodeEntry(x.entry))).toMatchObject([{ action: "register", device: "rec-D-1" }, { action: "register", device: "rec-D-2" }]);

    // Every stored reading: its recorded time and values, and a device signature that verifies with the registered key.
    const rows = await h.db.sql.query<{ device_id: string; seq: string; observed_at: Date; lon: number; lat: number; payload: Record<string, unknown>; signature: Uint8Array; dataset_id: string }>(
      `SELECT device_id, seq::text, observed_at, lon, lat, payload, signature, dataset_id FROM reading WHERE device_id LIKE 'rec-%' ORDER BY payload->>'recordedAt', device_id`,
    );
    expect(rows.map((x) => [x.device_id, x.payload.recordedAt, x.payload.speedKmh, x.payload.flowVehH])).toEqual([
      ["rec-D-1", "2026-05-01T00:00:00.000Z", 41.5, 620],
      ["rec-D-2", "2026-05-01T00:00:00.000Z", 55, undefined],
      ["rec-D-1", "2026-05-01T00:05:00.000Z", 38, 700],
      ["rec-D-2", "2026-05-01T00:10:00.000Z", 52, 300],
    ]);
    const keyOf = new Map(devices.map((d) => [d.id, new Uint8Array(d.public_key)]));
    for (const x of rows) {
      expect(x.payload.segmentId).toBe(x.device_id === "rec-D-1" ? a.segmentId : b.segmentId);
      expect(Date.now() - x.observed_at.getTime()).toBeLessThan(60_000); // played now
      const envelope = { device: x.device_id, dataset: x.dataset_id, seq: Number(x.seq), observedAt: new Date(x.observed_at).toISOString(), location: [x.lon, x.lat] as [number, number], values: x.payload as Record<string, string | number> };
      expect(verify(x.device_id, keyOf.get(x.device_id)!, envelopeBytes(envelope), new Uint8Array(x.signature))).toBe(true);
    }
    // The bad rows left no reading, and the refused one is a dead letter naming its device.
    const dead = await h.db.sql.query<{ reason: string; device_id: string }>(`SELECT reason, device_id FROM dead_letter WHERE device_id LIKE 'rec-%'`);
    expect(dead).toEqual([{ reason: "out_of_range", device_id: "rec-D-2" }]);
    const audit = await integrateAndAudit(h.db);
    expect(audit.ok, JSON.stringify(audit)).toBe(true);

    // Registered with their road segment, and drawn on it: the map's rollup places them in map_sensor as it folds their readings.
    const registry = await h.db.sql.query<{ id: string; segment_id: string | null }>(`SELECT id, segment_id FROM device WHERE id LIKE 'rec-%' ORDER BY id`);
    expect(registry.map((d) => [d.id, d.segment_id])).toEqual([["rec-D-1", a.segmentId], ["rec-D-2", b.segmentId]]);
    await refreshRollup(h.db.sql, h.city);
    const placed = await h.db.sql.query<{ device_id: string; segment_id: string; origin: string }>(`SELECT device_id, segment_id, origin FROM map_sensor WHERE device_id LIKE 'rec-%' ORDER BY device_id`);
    expect(placed.map((x) => [x.device_id, x.segment_id, x.origin])).toEqual([["rec-D-1", a.segmentId, "registry"], ["rec-D-2", b.segmentId, "registry"]]);
  });

  it("a second run reuses the registered devices and their keys", async () => {
    const r = await replay([csv, "--columns", "time=timestamp,sensor=detector_id,lat=latitude,lon=longitude,speed=speed_kmh", "--speed", "max"], env);
    expect(r.stdout).toContain("4 stored, 0 already held, 4 rows not stored (2 bad in the file, 2 refused), 0 devices registered");
    const n = await h.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading WHERE device_id LIKE 'rec-%'`);
    expect(n[0].n).toBe(8);
  });

  it("with --time recorded, readings dated before their device's registration are refused by line", async () => {
    const r = await replay([csv, "--columns", "time=timestamp,sensor=detector_id,lat=latitude,lon=longitude,speed=speed_kmh", "--speed", "max", "--time", "recorded"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^recorded\.csv:2: refused by the console \(before_registration\)/m);
    expect(r.stdout).toContain("0 stored");
  });

  it("exits 2 naming the problem when the input cannot be read at all", async () => {
    const missing = await replay([path.join(dir, "none.csv"), "--columns", "time=a,sensor=b,lat=c,lon=d,speed=e"], env);
    expect([missing.code, missing.stderr.trim()]).toEqual([2, `readings:replay: ${path.join(dir, "none.csv")} cannot be read: ENOENT`]);
    const header = await replay([csv, "--columns", "time=ts,sensor=detector_id,lat=latitude,lon=longitude,speed=speed_kmh"], env);
    expect(header.code).toBe(2);
    expect(header.stderr).toContain('column "ts" (for time) is not in the header');
    const binary = path.join(dir, "binary.csv");
    fs.writeFileSync(binary, Buffer.from([0xff, 0xfe, 0x00, 0x41]));
    expect((await replay([binary, "--columns", "time=a,sensor=b,lat=c,lon=d,speed=e"], env)).stderr).toContain("cannot be read: not UTF-8 text");
    expect((await replay([csv, "--columns", "time=timestamp,sensor=detector_id,lat=latitude,lon=longitude,speed=speed_kmh", "--speed", "0"], env)).code).toBe(2);
  });
});
