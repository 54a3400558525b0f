import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { setDb } from "../db/client";
import { generateCity, type CityModel } from "../city";
import type { LonLat, RoadSegment } from "../city/types";
import { seedCity } from "../server/seed";
import { signerFromSeed, type DeviceSigner } from "../sim/simulator-keys";
import { unsafeRegisterNewDevices } from "../devices/register-device";
import { signEnvelope } from "../ingest/envelope";
import { Intake } from "../ingest/intake";
import type { OnCommit } from "../ingest/commit";
import type { Viewer } from "../access/viewer";
import { haversineM } from "../city/geo";
import { foldCommit, refreshRollup } from "./rollup";
import { getLayerFeatures } from "./get-layer-features";
import { getLayerLatest } from "./get-layer-latest";
import { getMapKpis } from "./get-map-kpis";
import { getLayerFrames } from "./get-layer-frames";
import { getFeatureDetails } from "./get-feature-details";
import { decodeQ8 } from "./q8";
import { openLiveStream } from "./open-live-stream";
import { getBus } from "../events/bus";

// Registered traffic devices that are not sensors of the city model (readings:replay,
// ngsi:bridge) are drawn on the map like the model's own: placed on a segment by the fold of
// their first reading (the registered segment, else the reading's segmentId), then in the
// features, latest values, KPIs and corridors, replay frames and feature details, for a
// viewer whose grant covers them, and for no one else.

process.env.CITY_SIZE = "0.2";
process.env.CITY_SEED = "yantai";
const CITY_KEY = Symbol.for("city-brain.city");
const city: CityModel = generateCity({ seed: "yantai", size: 0.2 });
(globalThis as { [CITY_KEY]?: CityModel })[CITY_KEY] = city;

const MIN = 60_000;
const user = (departmentId: string): Viewer => ({ kind: "user", userId: `u-${departmentId}`, departmentId, role: "official" });
const mid = (s: RoadSegment): LonLat => s.geometry[Math.floor(s.geometry.length / 2)] as LonLat;

// Two segments of one named road, far apart: "rec-a" is registered with its segment, "rec-b"
// names its segment only in its readings; "rec-c" names a segment the city does not have.
const road = city.network.roads
  .filter((r) => r.nameZh)
  .map((r) => ({ r, segs: city.network.segments.filter((s) => s.roadId === r.id) }))
  .filter((x) => x.segs.length >= 2)
  .map((x) => ({ ...x, apart: haversineM(mid(x.segs[0]), mid(x.segs[x.segs.length - 1])) }))
  .sort((a, b) => b.apart - a.apart)[0];
const segA = road.segs[0], segB = road.segs[road.segs.length - 1];
const AREA = { center: mid(segA), radiusM: Math.min(1000, road.apart / 3) };
const DEVICES = [
  { id: "rec-a", location: mid(segA), registered: segA.id, reads: segA.id, speed: segA.freeFlowKmh * 0.2 },
  { id: "rec-b", location: mid(segB), registered: undefined, reads: segB.id, speed: segB.freeFlowKmh * 0.3 },
  { id: "rec-c", location: mid(segB), registered: undefined, reads: "seg-not-in-this-city", speed: 20 },
];
const START = Math.floor(Date.now() / (5 * MIN)) * 5 * MIN - 30 * MIN;

const targets = await testTargets();

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("registered traffic sensors on the map on %s", (_name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  const signers = new Map<string, DeviceSigner>();
  const fold: OnCommit = async (tx, stored, first) => void (await foldCommit(tx, city, first + stored.length - 1, stored.length, stored.map((r) => r.device)));
  /** Signed readings of the devices at t (seq k), submitted through the real intake with the console's commit fold (lib/server/start.ts). */
  async function send(k: number, t: Date): Promise<void> {
    const intake = await Intake.start({ sql: db.sql, maxMessageBytes: 8192, maxBatchBytes: 1 << 22, threads: 0, onCommit: fold });
    try {
      const lines = DEVICES.map((d) =>
        JSON.stringify(signEnvelope({ device: d.id, dataset: "traffic.flow", seq: k, observedAt: t.toISOString(), location: d.location, values: { segmentId: d.reads, speedKmh: Math.round(d.speed * 10) / 10, flowVehH: 600 } }, signers.get(d.id)!.sign)),
      );
      const outs = await intake.submitNdjson(new TextEncoder().encode(lines.join("\n") + "\n"), { source: { transport: "http", detail: "registry sensor test" } });
      expect(outs.filter((o) => o.status !== "accepted")).toEqual([]);
    } finally {
      await intake.close();
    }
  }

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    await seedCity(db, city);
    await refreshRollup(db.sql, city);
    DEVICES.forEach((d, i) => signers.set(d.id, signerFromSeed(new Uint8Array(32).fill(40 + i))));
    await unsafeRegisterNewDevices(
      db.sql,
      DEVICES.map((d) => ({ id: d.id, departmentId: "traffic", datasetId: "traffic.flow", kind: "traffic-sensor" as const, location: d.location, segmentId: d.registered, publicKey: signers.get(d.id)!.publicKey, reason: "recorded sensor (test)" })),
    );
    await db.sql.query(`UPDATE device SET created_at = now() - interval '2 hours' WHERE id LIKE 'rec-%'`);
    // traffic.flow is public in the generated city; here it is internal, so only grants open it.
    await db.sql.query(`UPDATE dataset SET sensitivity = 'internal' WHERE id = 'traffic.flow'`);
    await db.sql.query(
      `INSERT INTO data_grant (id, dataset_id, owner_department_id, grantee_department_id, scope, purpose, area_lon, area_lat, area_radius_m,
                               valid_from, valid_until, status, requested_terms, requested_by, created_at, updated_at)
       VALUES ('grt_rec_area', 'traffic.flow', 'traffic', 'emergency', 'raw', 'registry sensor test', $1, $2, $3,
               now() - interval '3 hours', now() + interval '6 hours', 'active', '{}', 'test', now(), now())`,
      [AREA.center[0], AREA.center[1], AREA.radiusM],
    );
    // Six readings each, 5 minutes apart, the last a few minutes ago.
    for (let k = 0; k < 6; k++) await send(k + 1, new Date(START + k * 5 * MIN + MIN));
  }, 180_000);
  afterAll(async () => {
    await db?.drop();
  });

  it("places a device on its registered segment, else its reading's, at its first folded reading; not one on no segment of the city", async () => {
    const rows = await db.sql.query<{ device_id: string; segment_id: string; free_flow_kmh: number; origin: string }>(
      `SELECT device_id, segment_id, free_flow_kmh, origin FROM map_sensor WHERE device_id LIKE 'rec-%' ORDER BY device_id`,
    );
    expect(rows.map((r) => ({ ...r, free_flow_kmh: Number(r.free_flow_kmh) }))).toEqual([
      { device_id: "rec-a", segment_id: segA.id, free_flow_kmh: segA.freeFlowKmh, origin: "registry" },
      { device_id: "rec-b", segment_id: segB.id, free_flow_kmh: segB.freeFlowKmh, origin: "registry" },
    ]);
    // Every reading has its speed ratio in the rollup, the first one too (placed before the fold).
    const sums = await db.sql.query<{ device_id: string; n: number; with_ratio: number }>(
      `SELECT device_id, sum(n)::int AS n, count(*) FILTER (WHERE speed_ratio_sum IS NOT NULL)::int AS with_ratio, count(*)::int AS buckets
         FROM map_bucket_5m WHERE device_id IN ('rec-a', 'rec-b') GROUP BY device_id ORDER BY device_id`,
    );
    expect(sums.map((s) => [s.device_id, Number(s.n)])).toEqual([["rec-a", 6], ["rec-b", 6]]);
    for (const s of sums) expect(Number(s.with_ratio)).toBe(6);
  });

  it("the owner sees them drawn: features with their segment, latest values with ratio, KPIs and the corridor, frames and details", async () => {
    const v = user("traffic");
    const f = await getLayerFeatures({ viewer: v, layer: "traffic" });
    if (f.layer !== "traffic") throw new Error("layer");
    const ia = f.sensors.ids.indexOf("rec-a"), ib = f.sensors.ids.indexOf("rec-b");
    expect(ia).toBeGreaterThanOrEqual(0);
    expect(ib).toBeGreaterThanOrEqual(0);
    expect(f.sensors.ids).not.toContain("rec-c");
    expect([f.sensors.segmentIds[ia], f.sensors.roadIds[ia], f.sensors.freeFlowKmh[ia], f.sensors.roadClass[ia]]).toEqual([segA.id, road.r.id, segA.freeFlowKmh, segA.class]);
    expect(f.sensors.startIndices[ia + 1] - f.sensors.startIndices[ia]).toBe(segA.geometry.length);

    const latest = await getLayerLatest({ viewer: v, layer: "traffic" });
    if (latest.layer !== "traffic") throw new Error("layer");
    const la = latest.sensors.ids.indexOf("rec-a");
    expect(la).toBeGreaterThanOrEqual(0);
    expect(latest.sensors.ratio[la]).toBeCloseTo(0.2, 2);
    expect(latest.sensors.ids).toContain("rec-b");
    expect(latest.sensors.ids).not.toContain("rec-c");

    const kpis = await getMapKpis({ viewer: v, bucket: 300 });
    expect(kpis.traffic?.index).not.toBeNull();
    const corridor = kpis.traffic!.worstCorridors.find((c) => c.roadId === road.r.id);
    expect(corridor).toMatchObject({ sensors: 2 });
    expect(corridor!.speedRatio).toBeCloseTo(0.25, 2);

    const frames = await getLayerFrames({ viewer: v, layer: "traffic", from: new Date(START).toISOString(), to: new Date(START + 30 * MIN).toISOString(), bucket: 300 });
    const s = frames.series.ratio;
    const col = s.ids.indexOf("rec-a");
    expect(col).toBeGreaterThanOrEqual(0);
    const q = decodeQ8(s.q);
    const values = Array.from({ length: frames.count }, (_, b) => q[b * s.ids.length + col]).filter((x) => Number.isFinite(x));
    expect(values.length).toBe(6);
    for (const x of values) expect(x).toBeCloseTo(0.2, 1);

    const d = await getFeatureDetails({ viewer: v, id: "rec-a", bucket: 300 });
    expect(d).toMatchObject({ id: "rec-a", kind: "traffic-sensor", datasetId: "traffic.flow", departmentId: "traffic" });
    expect(d.facts.find((x) => x.key === "segment")?.value).toBe(segA.id);
    // Its newest reading with its ledger leaf: the panel's provenance link.
    expect(d.latest?.device).toBe("rec-a");
    expect(d.latest?.leafIndex).toEqual(expect.any(Number));
    expect(d.series?.fields.find((x) => x.key === "speedKmh")?.values.filter((x) => x !== null).length).toBeGreaterThan(0);
  });

  it("a grant limited to an area shows the device inside it and not the one outside, everywhere", async () => {
    const v = user("emergency");
    const f = await getLayerFeatures({ viewer: v, layer: "traffic" });
    if (f.layer !== "traffic") throw new Error("layer");
    expect(f.sensors.ids).toContain("rec-a");
    expect(f.sensors.ids).not.toContain("rec-b");
    const latest = await getLayerLatest({ viewer: v, layer: "traffic" });
    if (latest.layer !== "traffic") throw new Error("layer");
    expect(latest.sensors.ids).toEqual(["rec-a"]);
    const kpis = await getMapKpis({ viewer: v, bucket: 300 });
    // One sensor of the road inside the area: no corridor (two needed), the index from rec-a alone.
    expect(kpis.traffic?.worstCorridors).toEqual([]);
    expect(kpis.traffic?.speedRatio).toBeCloseTo(0.2, 2);
    const frames = await getLayerFrames({ viewer: v, layer: "traffic", from: new Date(START).toISOString(), to: new Date(START + 30 * MIN).toISOString(), bucket: 300 });
    expect(frames.series.ratio.ids).toContain("rec-a");
    expect(frames.series.ratio.ids).not.toContain("rec-b");
    await expect(getFeatureDetails({ viewer: v, id: "rec-a", bucket: 300 })).resolves.toMatchObject({ id: "rec-a" });
    await expect(getFeatureDetails({ viewer: v, id: "rec-b", bucket: 300 })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("live updates reach the owner for both and the area grant for the one inside its area", async () => {
    const stop = await getBus().connect(db.sql);
    const acs: AbortController[] = [];
    try {
      const open = async (dept: string) => {
        const ac = new AbortController();
        acs.push(ac);
        const reader = (await openLiveStream({ viewer: user(dept), signal: ac.signal })).getReader();
        const dec = new TextDecoder();
        const s = { text: "" };
        const until = async (re: RegExp, ms: number) => {
          const deadline = Date.now() + ms;
          while (!re.test(s.text) && Date.now() < deadline) {
            const r = await Promise.race([reader.read(), new Promise<null>((res) => setTimeout(() => res(null), deadline - Date.now()))]);
            if (!r || r.done) break;
            s.text += dec.decode(r.value);
          }
          return re.test(s.text);
        };
        return { s, until };
      };
      const owner = await open("traffic"), area = await open("emergency");
      expect(await owner.until(/event: access/, 5000)).toBe(true);
      expect(await area.until(/event: access/, 5000)).toBe(true);
      await send(7, new Date());
      expect(await owner.until(/"device":"rec-b"/, 5000)).toBe(true);
      expect(await owner.until(/"device":"rec-a"/, 5000)).toBe(true);
      expect(await area.until(/"device":"rec-a"/, 5000)).toBe(true);
      // The update for rec-a carries its segment and ratio, as a model sensor's does.
      expect(area.s.text).toContain(`"device":"rec-a","segment":"${segA.id}"`);
      expect(area.s.text).not.toContain("rec-b");
      expect(owner.s.text).not.toContain("rec-c");
    } finally {
      for (const ac of acs) ac.abort();
      await stop();
    }
  });

  it("a department with no grant sees none of them", async () => {
    const v = user("energy");
    for (const read of [
      () => getLayerFeatures({ viewer: v, layer: "traffic" }),
      () => getLayerLatest({ viewer: v, layer: "traffic" }),
      () => getLayerFrames({ viewer: v, layer: "traffic", from: new Date(START).toISOString(), to: new Date(START + 30 * MIN).toISOString(), bucket: 300 }),
      () => getFeatureDetails({ viewer: v, id: "rec-a", bucket: 300 }),
    ]) {
      await expect(read()).rejects.toMatchObject({ code: "forbidden" });
    }
    const kpis = await getMapKpis({ viewer: v, bucket: 300 });
    expect(kpis.traffic).toBeNull();
    expect(JSON.stringify(kpis)).not.toContain("rec-");
  });
});
