import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { setDb } from "../db/client";
import { generateCity, type CityModel } from "../city";
import { createSimulator } from "../sim";
import { seedCity } from "../server/seed";
import { storeReadings, type AcceptedReading } from "../ingest/store-readings";
import type { Viewer } from "../access/viewer";
import { withinArea } from "../access/scope-sql";
import { AppError } from "../errors";
import { announceGrantChange } from "../grants/announce-grant-change";
import { getLayerLatest } from "./get-layer-latest";
import { getLayerFeatures } from "./get-layer-features";
import { CHUNK_BUCKETS, getLayerFrames, warmReplayChunks } from "./get-layer-frames";
import { encodeChunk } from "./frame-chunks";
import { getFeatureDetails } from "./get-feature-details";
import { getMapKpis } from "./get-map-kpis";
import { openLiveStream } from "./open-live-stream";
import { hexGrid } from "./hex-grid";
import { decodeQ8 } from "./q8";
import { refreshRollup } from "./rollup";
import { AGGREGATE_HEX_RADIUS_M } from "../access/scoped/map-basis";
import { scopedTotals } from "../access/scoped/map-kpis";
import type { ReadBasis } from "../access/check-read";

// What each map response CONTAINS under each kind of grant, checked against the grant's terms:
// no device outside the area, no field not granted, no reading outside the data window, no
// location finer than 0.01° under anonymized scope, no aggregate over fewer than k devices;
// and a revoked grant reaches an open stream as an `access` event at once.

process.env.CITY_SIZE = "0.2";
process.env.CITY_SEED = "yantai";
const CITY_KEY = Symbol.for("city-brain.city");
const city: CityModel = generateCity({ seed: "yantai", size: 0.2 });
(globalThis as { [CITY_KEY]?: CityModel })[CITY_KEY] = city;

const MIN = 60_000;
const END = Math.floor(Date.now() / MIN) * MIN - MIN;
const START = END - 60 * MIN;
const UNTIL = new Date(Math.floor((END - 30 * MIN) / (5 * MIN)) * 5 * MIN);
const K = 5;

const user = (departmentId: string): Viewer => ({ kind: "user", userId: `u-${departmentId}`, departmentId, role: "official" });
const cameras = city.devices.filter((d) => d.kind === "camera");
const AREA = { center: cameras[0].location as [number, number], radiusM: 2000 };
/** Metres from the area's centre (the distance withinArea measures). */
const dist = (p: readonly [number, number]) => Math.hypot((p[0] - AREA.center[0]) * Math.cos((AREA.center[1] * Math.PI) / 180) * 111_320, (p[1] - AREA.center[1]) * 110_540);

function readings(): AcceptedReading[] {
  const sim = createSimulator({ city, seed: "yantai", incidents: false });
  const seq = new Map<string, number>();
  const out: AcceptedReading[] = [];
  for (let t = START; t <= END; t += 5 * MIN) {
    for (const r of sim.readingsAt(new Date(t))) {
      if (r.dataset !== "safety.cameras" && r.dataset !== "energy.load") continue;
      const s = (seq.get(r.device) ?? 0) + 1;
      seq.set(r.device, s);
      out.push({ device: r.device, dataset: r.dataset, observedAt: new Date(r.observedAt).toISOString(), location: r.location, values: r.values as Record<string, number | string | boolean>, seq: s, payloadHash: new Uint8Array(32), signature: new Uint8Array(64) });
    }
  }
  return out;
}

const onGrid = (v: number) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6;

const targetList = await testTargets();

describe.each(targetList.map((t) => [t.name, t] as [string, TestTarget]))("map reads under grants on %s", (_name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let grant: (id: string, dataset: string, owner: string, grantee: string, scope: string, extra?: { fields?: string[]; until?: Date; area?: typeof AREA }) => Promise<unknown>;

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    await seedCity(db, city);
    await storeReadings(db.sql, readings());
    await refreshRollup(db.sql, city);
    grant = (id, dataset, owner, grantee, scope, extra = {}) =>
      db.sql.query(
        `INSERT INTO data_grant (id, dataset_id, owner_department_id, grantee_department_id, scope, fields, purpose, data_until, area_lon, area_lat, area_radius_m,
                                 valid_from, valid_until, status, requested_terms, requested_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'map scope test', $7, $8, $9, $10, now() - interval '2 hours', now() + interval '6 hours', 'active', '{}', 'test', now(), now())`,
        [id, dataset, owner, grantee, scope, extra.fields ?? null, extra.until?.toISOString() ?? null, extra.area?.center[0] ?? null, extra.area?.center[1] ?? null, extra.area?.radiusM ?? null],
      );
    await grant("grt_area", "safety.cameras", "safety", "emergency", "raw", { area: AREA });
    await grant("grt_fields", "safety.cameras", "safety", "traffic", "raw", { fields: ["online", "alert"] });
    await grant("grt_anon", "safety.cameras", "safety", "citizen", "anonymized");
    await grant("grt_agg", "safety.cameras", "safety", "energy", "aggregated");
    await grant("grt_window", "energy.load", "energy", "traffic", "raw", { until: UNTIL });
  }, 180_000);
  afterAll(async () => {
    await db?.drop();
  });

  it("raw within an area: only devices inside it, in features, latest values, frames and details", async () => {
    const v = user("emergency");
    const latest = await getLayerLatest({ viewer: v, layer: "safety" });
    if (latest.layer !== "safety" || !latest.cameras) throw new Error("no cameras");
    expect(latest.cameras.ids.length).toBeGreaterThan(0);
    const at = new Map(cameras.map((c) => [c.id, c.location]));
    expect(latest.cameras.ids.filter((id) => !withinArea(at.get(id)!, AREA))).toEqual([]);
    const features = await getLayerFeatures({ viewer: v, layer: "safety" });
    if (features.layer !== "safety" || !features.cameras) throw new Error("no camera features");
    expect(features.cameras.ids.filter((id) => !withinArea(at.get(id)!, AREA))).toEqual([]);
    const frames = await getLayerFrames({ viewer: v, layer: "safety", from: new Date(START).toISOString(), to: new Date(END).toISOString(), bucket: 300 });
    expect(frames.series.cameraState.ids.filter((id) => !withinArea(at.get(id)!, AREA))).toEqual([]);
    expect(latest.access.find((n) => n.datasetId === "safety.cameras")).toMatchObject({ allowed: true, level: "raw", area: AREA });
    const outside = cameras.find((c) => !withinArea(c.location, AREA))!;
    await expect(getFeatureDetails({ viewer: v, id: outside.id, bucket: 300 })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("a device inside the area whose reading was taken outside it: that reading is in no series of the grantee's", async () => {
    // The camera nearest the area's edge, and a reading it signs 30 m past the edge, in a bucket of its own.
    const inside = cameras.filter((c) => withinArea(c.location, AREA)).sort((a, b) => dist(b.location) - dist(a.location))[0];
    const [lon, lat] = inside.location;
    const out = (AREA.radiusM + 30) / dist(inside.location);
    const place: [number, number] = [AREA.center[0] + (lon - AREA.center[0]) * out, AREA.center[1] + (lat - AREA.center[1]) * out];
    expect(withinArea(place, AREA)).toBe(false);
    const at = new Date(START - 30 * MIN);
    await storeReadings(db.sql, [
      { device: inside.id, dataset: "safety.cameras", observedAt: at.toISOString(), location: place, values: { online: true, alert: "none", vehiclesPerMin: 777.0625, pedestriansPerMin: 333.0625 }, seq: 100_000, payloadHash: new Uint8Array(32), signature: new Uint8Array(64) },
    ]);
    await refreshRollup(db.sql, city);
    const span = { from: new Date(START - 60 * MIN).toISOString(), to: new Date(END).toISOString(), bucket: 300 };
    const values = async (v: Viewer) => (await getFeatureDetails({ viewer: v, id: inside.id, ...span })).series?.fields.find((f) => f.key === "vehiclesPerMin")?.values ?? [];
    // The owner sees it; the area's grantee sees the camera's other readings and not that one.
    expect(await values(user("safety"))).toContain(777.063);
    const grantee = await values(user("emergency"));
    expect(grantee.filter((x) => x !== null).length).toBeGreaterThan(0);
    expect(grantee).not.toContain(777.063);
    // The replay of its bucket: the camera's state for the owner, none for the grantee.
    const state = async (v: Viewer) => {
      const f = await getLayerFrames({ viewer: v, layer: "safety", from: new Date(at.getTime() - 5 * MIN).toISOString(), to: new Date(at.getTime() + 10 * MIN).toISOString(), bucket: 300 });
      const { ids, q } = f.series.cameraState;
      const i = ids.indexOf(inside.id);
      return i < 0 ? [] : Array.from({ length: f.count }, (_, b) => decodeQ8(q)[b * ids.length + i]).filter((x) => !Number.isNaN(x));
    };
    expect(await state(user("safety"))).toHaveLength(1);
    expect(await state(user("emergency"))).toEqual([]);
  });

  it("stored replay chunks are read only for a viewer who sees the whole dataset: an area grant replays its own area", async () => {
    const span = { layer: "safety" as const, from: new Date(START).toISOString(), to: new Date(END).toISOString(), bucket: 300 };
    const clearMemory = () => (globalThis as { [k: symbol]: Map<string, unknown> | undefined })[Symbol.for("city-brain.map-frames-cache")]?.clear();
    const areaBefore = await getLayerFrames({ viewer: user("emergency"), ...span });
    // Store the chunks (a clock four hours on makes the chunks of this hour complete).
    while ((await warmReplayChunks(db.sql, city, Date.now() + 4 * 3_600_000)) > 0);
    const rows = await db.sql.query<{ chunk_start: Date; series: { name: string; width: number }[] | string }>(`SELECT chunk_start, series FROM map_frame_chunk WHERE dataset_id = 'safety.cameras'`);
    expect(rows.length).toBeGreaterThan(0);
    // Mark the stored copies (every camera in state 4), so that reading them shows.
    for (const r of rows) {
      const [head] = typeof r.series === "string" ? JSON.parse(r.series) : r.series;
      const marked = encodeChunk({ cameraState: { ids: Array(head.width).fill(""), values: new Float64Array(head.width * CHUNK_BUCKETS).fill(4) } });
      await db.sql.query(`UPDATE map_frame_chunk SET series = $1::jsonb, data = $2 WHERE dataset_id = 'safety.cameras' AND chunk_start = $3`, [JSON.stringify(marked.series), marked.data, r.chunk_start]);
    }
    try {
      clearMemory();
      // The owner sees the whole dataset: its replay is read from the stored chunks.
      const owner = await getLayerFrames({ viewer: user("safety"), ...span });
      const all = decodeQ8(owner.series.cameraState.q);
      const values = all.filter((x) => !Number.isNaN(x));
      expect(values.length).toBeGreaterThan(0);
      const w = owner.series.cameraState.ids.length;
      const off = [...all.entries()].filter(([, x]) => !Number.isNaN(x) && x !== 4).map(([i, x]) => `bucket ${Math.floor(i / w)} (${new Date(Date.parse(owner.from) + Math.floor(i / w) * 300_000).toISOString()}): ${x}`);
      expect({ from: owner.from, to: owner.to, off: off.slice(0, 5) }).toEqual({ from: owner.from, to: owner.to, off: [] });
      // The area grant's replay is aggregated under its limits, never from the whole-city chunks.
      clearMemory();
      const area = await getLayerFrames({ viewer: user("emergency"), ...span });
      const at = new Map(cameras.map((c) => [c.id, c.location]));
      expect(area.series.cameraState.ids.filter((id) => !withinArea(at.get(id)!, AREA))).toEqual([]);
      expect(area.series.cameraState).toEqual(areaBefore.series.cameraState);
      // Nor from the whole-city chunks the background job keeps in memory, the one holding now included.
      while ((await warmReplayChunks(db.sql, city)) > 0);
      await warmReplayChunks(db.sql, city);
      const warm = await getLayerFrames({ viewer: user("emergency"), ...span });
      expect(warm.series.cameraState.ids.filter((id) => !withinArea(at.get(id)!, AREA))).toEqual([]);
      expect(warm.series.cameraState).toEqual(areaBefore.series.cameraState);
    } finally {
      await db.sql.query(`DELETE FROM map_frame_chunk`);
      clearMemory();
    }
  });

  it("raw limited to fields: no value of a field not granted", async () => {
    const v = user("traffic");
    const latest = await getLayerLatest({ viewer: v, layer: "safety" });
    if (latest.layer !== "safety" || !latest.cameras) throw new Error("no cameras");
    expect(latest.cameras.ids.length).toBeGreaterThan(0);
    expect(latest.cameras.vehiclesPerMin.every((x) => x === null)).toBe(true);
    expect(latest.cameras.pedestriansPerMin.every((x) => x === null)).toBe(true);
    expect(latest.cameras.online.some((x) => x !== null)).toBe(true);
    const d = await getFeatureDetails({ viewer: v, id: latest.cameras.ids[0], bucket: 300 });
    expect(Object.keys(d.latest?.values ?? {}).sort()).toEqual(["alert", "online"]);
    expect(d.withheld).toEqual(["vehiclesPerMin", "pedestriansPerMin"]);
    expect((d.series?.fields ?? []).map((f) => f.key)).toEqual(["online"]);
  });

  it("raw with a data window: live shows nothing after it, a past moment and replay only inside it", async () => {
    const v = user("traffic");
    const live = await getLayerLatest({ viewer: v, layer: "energy" });
    if (live.layer !== "energy") throw new Error("layer");
    expect(live.feeders.ids).toEqual([]);
    const past = await getLayerLatest({ viewer: v, layer: "energy", to: new Date(UNTIL.getTime() + 2 * MIN).toISOString() });
    if (past.layer !== "energy") throw new Error("layer");
    expect(past.feeders.ids.length).toBeGreaterThan(0);
    expect(past.feeders.observedAt.every((t) => Date.parse(t) < UNTIL.getTime())).toBe(true);
    const frames = await getLayerFrames({ viewer: v, layer: "energy", from: new Date(START).toISOString(), to: new Date(END).toISOString(), bucket: 300 });
    const util = frames.series.feederUtil;
    const q = decodeQ8(util.q);
    const w = util.ids.length;
    let inside = 0;
    for (let b = 0; b < frames.count; b++) {
      const start = Date.parse(frames.from) + b * 300_000;
      const vals = Array.from(q.subarray(b * w, (b + 1) * w)).filter((x) => Number.isFinite(x));
      if (start + 300_000 > UNTIL.getTime()) expect(vals).toEqual([]);
      else inside += vals.length;
    }
    expect(inside).toBeGreaterThan(0);
    const kpis = await getMapKpis({ viewer: v, bucket: 300 });
    expect(kpis.energy?.loadMw ?? null).toBeNull();
  });

  it("anonymized: points on the 0.01° grid, no device ids, values coarsened", async () => {
    const latest = await getLayerLatest({ viewer: user("citizen"), layer: "safety" });
    if (latest.layer !== "safety") throw new Error("layer");
    expect(latest.cameras).toBeNull();
    const c = latest.scoped.find((x) => x.datasetId === "safety.cameras")!;
    expect(c.scope).toBe("anonymized");
    expect(c.ids.length).toBeGreaterThan(0);
    expect(c.position.every(onGrid)).toBe(true);
    expect(JSON.stringify(latest)).not.toMatch(/cam-\d/);
    const veh = c.fields.find((f) => f.key === "vehiclesPerMin")!;
    expect(veh.values.every((x) => x === null || x % 10 === 0)).toBe(true);
    const features = await getLayerFeatures({ viewer: user("citizen"), layer: "safety" });
    if (features.layer !== "safety") throw new Error("layer");
    expect(features.cameras).toBeNull();
    await expect(getFeatureDetails({ viewer: user("citizen"), id: cameras[0].id, bucket: 300 })).rejects.toBeInstanceOf(AppError);
  });

  it("aggregated: hexagons over at least k distinct devices, smaller ones suppressed with no value", async () => {
    const latest = await getLayerLatest({ viewer: user("energy"), layer: "safety" });
    if (latest.layer !== "safety") throw new Error("layer");
    expect(latest.cameras).toBeNull();
    const c = latest.scoped.find((x) => x.datasetId === "safety.cameras")!;
    expect(c.scope).toBe("aggregated");
    expect(c.k).toBe(K);
    expect(c.suppressed.some((x) => x)).toBe(true);
    expect(c.suppressed.some((x) => !x)).toBe(true);
    // Recount the devices per hexagon from the city model: a value needs k of them.
    const grid = hexGrid(city.center, AGGREGATE_HEX_RADIUS_M);
    const per = new Map<string, number>();
    for (const cam of cameras) {
      const { q, r } = grid.cellOf(cam.location);
      const key = `h:${(q + 32768) * 65536 + (r + 32768)}`;
      per.set(key, (per.get(key) ?? 0) + 1);
    }
    c.ids.forEach((id, i) => {
      if (c.suppressed[i]) {
        expect(c.devices[i]).toBeNull();
        for (const f of c.fields) expect(f.values[i]).toBeNull();
      } else {
        expect(c.devices[i]).toBeGreaterThanOrEqual(K);
        expect(per.get(id) ?? 0).toBeGreaterThanOrEqual(K);
      }
    });
    expect(JSON.stringify(latest)).not.toMatch(/cam-\d/);
    const frames = await getLayerFrames({ viewer: user("energy"), layer: "safety", from: new Date(START).toISOString(), to: new Date(END).toISOString(), bucket: 300 });
    const fc = frames.scoped.find((x) => x.datasetId === "safety.cameras")!;
    const state = decodeQ8(fc.state), q = decodeQ8(fc.q);
    for (let i = 0; i < state.length; i++) if (state[i] !== 2) expect(Number.isNaN(q[i])).toBe(true);
    fc.ids.forEach((id, i) => {
      for (let b = 0; b < frames.count; b++) if (state[b * fc.ids.length + i] === 2) expect(per.get(id) ?? 0).toBeGreaterThanOrEqual(K);
    });
  });

  it("KPI totals under aggregated scope: a bucket counts only over k distinct devices, 5-minute and regrouped alike", async () => {
    const meters = city.devices.filter((d) => d.datasetId === "energy.load");
    const near = (c: readonly [number, number], radiusM: number) => meters.filter((m) => withinArea(m.location, { center: [c[0], c[1]], radiusM })).length;
    // A small area around a meter that has fewer than k meters within 200 m (several share a substation's site).
    const lone = meters.find((m) => near(m.location, 200) < K)!;
    expect(lone).toBeDefined();
    const few: ReadBasis["area"] = { center: [lone.location[0], lone.location[1]], radiusM: 200 };
    const basis = (scope: ReadBasis["scope"], area: ReadBasis["area"]): ReadBasis => ({
      datasetId: "energy.load", ownerDepartmentId: "energy", basis: "grant", scope, fields: null, window: { from: null, until: null }, area,
    });
    const from = new Date(Math.floor(START / (5 * MIN)) * 5 * MIN), to = new Date(Math.floor(END / (5 * MIN)) * 5 * MIN);
    for (const bucketS of [300, 1800]) {
      // Every meter reports every 5 minutes here: each bucket holds all the area's meters.
      expect((await scopedTotals(db.sql, basis("raw", few), from, to, bucketS)).length).toBeGreaterThan(0);
      expect(await scopedTotals(db.sql, basis("aggregated", few), from, to, bucketS)).toEqual([]);
      const all = await scopedTotals(db.sql, basis("raw", null), from, to, bucketS);
      const shown = await scopedTotals(db.sql, basis("aggregated", null), from, to, bucketS);
      expect(all.length).toBeGreaterThan(0);
      expect(shown.map((r) => r.bb)).toEqual(all.map((r) => r.bb));
      expect(shown.every((r) => r.n >= K)).toBe(true);
    }
  });

  it("a revoked grant reaches an open stream as an access event at once", async () => {
    const ac = new AbortController();
    const stream = await openLiveStream({ viewer: user("citizen"), signal: ac.signal });
    const reader = stream.getReader();
    const dec = new TextDecoder();
    let text = "";
    const until = async (re: RegExp, ms: number) => {
      const deadline = Date.now() + ms;
      while (!re.test(text) && Date.now() < deadline) {
        const r = await Promise.race([reader.read(), new Promise<null>((res) => setTimeout(() => res(null), deadline - Date.now()))]);
        if (!r || r.done) break;
        text += dec.decode(r.value);
      }
      return re.test(text);
    };
    expect(await until(/event: access/, 5000)).toBe(true);
    text = "";
    const [g] = await db.sql.query<{ id: string; dataset_id: string; owner_department_id: string; grantee_department_id: string }>(
      `UPDATE data_grant SET status = 'revoked' WHERE id = 'grt_anon' RETURNING id, dataset_id, owner_department_id, grantee_department_id`,
    );
    const t0 = Date.now();
    await announceGrantChange(g, "revoke");
    expect(await until(/event: access\ndata: .*"datasetId":"safety.cameras","allowed":false/, 2000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
    ac.abort();
    await reader.cancel().catch(() => {});
  });
  it("incidents replay as cells under anonymized and aggregated grants: open ones per cell, k reporting devices, no ids", async () => {
    // Five incidents from five dispatch devices within 40 m of one another, one far away from a
    // sixth; the first of the five is resolved half-way through the hour.
    const near = AREA.center;
    const far: [number, number] = [near[0] + 0.08, near[1] + 0.05];
    const at = (min: number) => new Date(START + min * MIN).toISOString();
    const inc = (i: number, min: number, status: string, location: [number, number]): AcceptedReading => ({
      device: `dsp-rep-${i}`, dataset: "safety.incidents", observedAt: at(min), location, seq: min + 1,
      values: { incidentId: `inc-replay-${i}`, type: "accident", severity: 1 + (i % 3), status, startedAt: at(10), endedAt: at(90), segmentId: "s-1", lanesBlocked: 1 },
      payloadHash: new Uint8Array(32), signature: new Uint8Array(64),
    });
    const list: AcceptedReading[] = [];
    for (let i = 0; i < 5; i++) list.push(inc(i, 10, "reported", [near[0] + i * 1e-4, near[1] + i * 2e-4]));
    list.push(inc(0, 32, "resolved", near));
    list.push(inc(5, 10, "reported", far));
    await storeReadings(db.sql, list);
    await grant("grt_inc_anon", "safety.incidents", "safety", "traffic", "anonymized");
    await grant("grt_inc_agg", "safety.incidents", "safety", "emergency", "aggregated");
    const span = { from: new Date(START).toISOString(), to: new Date(END).toISOString(), bucket: 300 };
    const bucketOf = (min: number) => Math.floor((START + min * MIN - START) / (5 * MIN));

    const anon = await getLayerFrames({ viewer: user("traffic"), layer: "safety", ...span });
    const a = anon.scoped.find((x) => x.datasetId === "safety.incidents")!;
    expect(a.scope).toBe("anonymized");
    expect(a.field.key).toBe("severity");
    for (const v of a.position) expect(onGrid(v)).toBe(true);
    expect(JSON.stringify(anon)).not.toMatch(/inc-replay|dsp-rep/);
    expect(anon.incidents).toBeNull();
    const aq = decodeQ8(a.q), as = decodeQ8(a.state), aw = a.ids.length;
    const open = (b: number) => a.ids.map((_, i) => as[b * aw + i]).filter((x) => x === 2).length;
    expect(open(bucketOf(5))).toBe(0); // before the incidents were reported
    expect(open(bucketOf(15))).toBeGreaterThanOrEqual(2); // the near group's grid points and the far one
    // The far incident's grid point shows its severity (incident 5: 1 + 5 % 3 = 3) while open.
    const farId = `g:${(Math.round(far[0] * 100) / 100).toFixed(2)},${(Math.round(far[1] * 100) / 100).toFixed(2)}`;
    expect(aq[bucketOf(15) * aw + a.ids.indexOf(farId)]).toBeCloseTo(3, 1);

    const agg = await getLayerFrames({ viewer: user("emergency"), layer: "safety", ...span });
    const g = agg.scoped.find((x) => x.datasetId === "safety.incidents")!;
    expect(g.scope).toBe("aggregated");
    expect(JSON.stringify(agg)).not.toMatch(/inc-replay|dsp-rep/);
    const gs = decodeQ8(g.state), gq = decodeQ8(g.q), gw = g.ids.length;
    const grid = hexGrid(city.center, AGGREGATE_HEX_RADIUS_M);
    const hexOf = (p: [number, number]) => { const { q, r } = grid.cellOf(p); return `h:${(q + 32768) * 65536 + (r + 32768)}`; };
    const nearCol = g.ids.indexOf(hexOf(near)), farCol = g.ids.indexOf(hexOf(far));
    expect(nearCol).toBeGreaterThanOrEqual(0);
    // Five reporting devices: a value (the mean of severities 1,2,3,1,2); once one is resolved, four: suppressed.
    expect(gs[bucketOf(15) * gw + nearCol]).toBe(2);
    expect(gq[bucketOf(15) * gw + nearCol]).toBeCloseTo(1.8, 1);
    expect(gs[bucketOf(40) * gw + nearCol]).toBe(1);
    expect(Number.isNaN(gq[bucketOf(40) * gw + nearCol])).toBe(true);
    // One device far away: suppressed whenever open.
    expect(gs[bucketOf(15) * gw + farCol]).toBe(1);
  });
});
