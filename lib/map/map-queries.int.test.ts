import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { setDb } from "../db/client";
import { generateCity, type CityModel } from "../city";
import { createSimulator } from "../sim";
import { seedCity } from "../server/seed";
import { storeReadings, type AcceptedReading } from "../ingest/store-readings";
import type { Viewer } from "../access/viewer";
import { AppError } from "../errors";
import { getLayerLatest } from "./get-layer-latest";
import { getLayerFrames, warmReplayChunks, wholeCityBasis } from "./get-layer-frames";
import { STORED_CHUNK_SPAN_MS } from "./frame-chunks";
import { decodeQ8 } from "./q8";
import { getMapKpis, warmKpiTrend } from "./get-map-kpis";
import { getFeatureDetails } from "./get-feature-details";
import { getLayerFeatures } from "./get-layer-features";
import { mapModel } from "./map-features";
import { refreshRollup } from "./rollup";
import { gradeOfIndex, segmentIndex, weightedIndex } from "./traffic-grade";
import { sensorGrading } from "./get-map-kpis";
import { scopedIndexTrend, scopedRoadIndex } from "../access/scoped/map-kpis";
import { withinArea } from "../access/scope-sql";
import type { ReadBasis } from "../access/check-read";

// Every aggregate the map serves, checked against a plain recomputation in TypeScript over
// the very readings stored: latest values, replay frames (traffic, energy with hexagon
// cells, cameras), KPIs and their trends, and the rollup's exactness when readings arrive
// late and out of order.

process.env.CITY_SIZE = "0.2";
process.env.CITY_SEED = "yantai";
const CITY_KEY = Symbol.for("city-brain.city");
const city: CityModel = generateCity({ seed: "yantai", size: 0.2 });
(globalThis as { [CITY_KEY]?: CityModel })[CITY_KEY] = city;
const m = mapModel(city);

const MIN = 60_000;
const BUCKET = 300_000;
const END = Math.floor(Date.now() / MIN) * MIN - 2 * MIN;
const START = END - 120 * MIN;
const bucketOf = (ms: number) => Math.floor(ms / BUCKET) * BUCKET;

const traffic: Viewer = { kind: "user", userId: "u-traffic", departmentId: "traffic", role: "official" };
const energy: Viewer = { kind: "user", userId: "u-energy", departmentId: "energy", role: "official" };
const safety: Viewer = { kind: "user", userId: "u-safety", departmentId: "safety", role: "official" };
const guest: Viewer = { kind: "guest" };

type Stored = AcceptedReading & { leaf: number };

/** Readings every minute for two hours, plus two scripted incidents; some held back to arrive late. */
function makeReadings(): { early: AcceptedReading[]; late: AcceptedReading[] } {
  const sim = createSimulator({ city, seed: "yantai", incidents: false });
  const seq = new Map<string, number>();
  const sig = new Uint8Array(64);
  const hash = new Uint8Array(32);
  const early: AcceptedReading[] = [];
  const late: AcceptedReading[] = [];
  const push = (r: { device: string; dataset: string; observedAt: string; location: [number, number]; values: Record<string, number | string | boolean> }, lateOne: boolean) => {
    const s = (seq.get(r.device) ?? 0) + 1;
    seq.set(r.device, s);
    (lateOne ? late : early).push({ ...r, seq: s, payloadHash: hash, signature: sig });
  };
  const reporter = city.devices.find((d) => d.kind === "dispatch-terminal")!;
  const seg = city.network.segments[10];
  for (let t = START; t <= END; t += MIN) {
    for (const r of sim.readingsAt(new Date(t))) {
      // Every 7th traffic device's readings of the first hour arrive late, after the first fold.
      const lateOne = r.dataset === "traffic.flow" && Number(r.device.slice(4)) % 7 === 0 && t < START + 60 * MIN;
      push({ device: r.device, dataset: r.dataset, observedAt: new Date(r.observedAt).toISOString(), location: r.location, values: r.values as Record<string, number | string | boolean> }, lateOne);
    }
    // Two incidents: one reported then responding then resolved, one still open at the end.
    const incident = (id: string, sev: number, status: string, from: number) =>
      push({
        device: reporter.id, dataset: "safety.incidents", observedAt: new Date(t).toISOString(), location: seg.geometry[0],
        values: { incidentId: id, type: "accident", severity: sev, status, startedAt: new Date(from).toISOString(), endedAt: new Date(from + 90 * MIN).toISOString(), segmentId: seg.id, lanesBlocked: 1 },
      }, false);
    if (t >= START + 10 * MIN && t < START + 70 * MIN) incident("inc-test-a", 1, t < START + 20 * MIN ? "reported" : t < START + 60 * MIN ? "responding" : "resolved", START + 10 * MIN);
    if (t >= START + 90 * MIN) incident("inc-test-b", 3, "responding", START + 90 * MIN);
  }
  return { early, late };
}

const num = (v: unknown) => Number(v);
/** |a - b| within tol (rounding to 3 decimals gives 0.0005). */
const near = (a: number | null | undefined, b: number, tol = 0.0005 + 1e-9) => expect(Math.abs(Number(a) - b)).toBeLessThanOrEqual(tol);

const targetList = await testTargets();

describe.each(targetList.map((t) => [t.name, t] as [string, TestTarget]))("map aggregates on %s", (_name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let all: Stored[] = [];

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    await seedCity(db, city);
    const { early, late } = makeReadings();
    const leaves1 = await storeReadings(db.sql, early);
    // Fold what is there, then let the late readings arrive (observed an hour ago, committed now).
    await refreshRollup(db.sql, city);
    const leaves2 = await storeReadings(db.sql, late);
    all = [...early.map((r, i) => ({ ...r, leaf: leaves1[i] })), ...late.map((r, i) => ({ ...r, leaf: leaves2[i] }))];
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("keeps the rollup exact when readings arrive late: equal to a recomputation from every reading", async () => {
    await refreshRollup(db.sql, city);
    // v1: the dataset's first quantity (speed, load or production, vehicles); v4: speed ratio or alerts.
    const rows = await db.sql.query<{ dataset_id: string; device_id: string; bucket: Date; n: number; v1: number; v4: number; last_leaf: number }>(
      `SELECT dataset_id, device_id, bucket, n, coalesce(speed_kmh_sum, load_mw_sum, production_mw_sum, vehicles_per_min_sum) AS v1,
              coalesce(speed_ratio_sum, alerting_count, 0) AS v4, last_leaf::float8 AS last_leaf FROM map_bucket_5m`,
    );
    const expected = new Map<string, { n: number; v1: number; v4: number; last: number }>();
    for (const r of all) {
      if (r.dataset === "safety.incidents") continue;
      const k = `${r.dataset}|${r.device}|${bucketOf(Date.parse(r.observedAt))}`;
      const e = expected.get(k) ?? { n: 0, v1: 0, v4: 0, last: -1 };
      e.n++;
      e.v1 += r.dataset === "traffic.flow" ? num(r.values.speedKmh) : r.dataset === "energy.load" ? num(r.values.loadMw ?? r.values.productionMw) : num(r.values.vehiclesPerMin);
      if (r.dataset === "traffic.flow") e.v4 += num(r.values.speedKmh) / m.traffic.sensors.freeFlowKmh[m.sensorIndex.get(r.device)!];
      // Cameras count their alerts (alerting_count: a camera reading with an alert other than "none").
      if (r.dataset === "safety.cameras") e.v4 += (r.values.alert ?? "none") !== "none" ? 1 : 0;
      e.last = Math.max(e.last, r.leaf);
      expected.set(k, e);
    }
    expect(rows.length).toBe(expected.size);
    let bad = 0;
    for (const r of rows) {
      const e = expected.get(`${r.dataset_id}|${r.device_id}|${new Date(r.bucket).getTime()}`);
      if (!e || e.n !== Number(r.n) || Math.abs(e.v1 - Number(r.v1)) > 1e-6 || Math.abs(e.v4 - Number(r.v4)) > 1e-9 || e.last !== Number(r.last_leaf)) bad++;
    }
    expect(bad).toBe(0);
  });

  it("answers the latest traffic values at a past moment as the newest reading per sensor", async () => {
    const to = END - 30 * MIN;
    const res = await getLayerLatest({ viewer: traffic, layer: "traffic", to: new Date(to).toISOString() });
    if (res.layer !== "traffic") throw new Error("layer");
    const want = new Map<string, Stored>();
    for (const r of all) {
      const t = Date.parse(r.observedAt);
      if (r.dataset !== "traffic.flow" || t <= to - 15 * MIN || t > to) continue;
      const cur = want.get(r.device);
      if (!cur || Date.parse(cur.observedAt) < t) want.set(r.device, r);
    }
    expect(res.sensors.ids.length).toBe(want.size);
    res.sensors.ids.forEach((id, i) => {
      const w = want.get(id)!;
      expect(res.sensors.speedKmh[i]).toBe(num(w.values.speedKmh));
      expect(res.sensors.leafIndex[i]).toBe(w.leaf);
      near(res.sensors.ratio[i], num(w.values.speedKmh) / m.traffic.sensors.freeFlowKmh[m.sensorIndex.get(id)!]);
    });
    // The live answer (map_latest) is each sensor's newest reading of all.
    const live = await getLayerLatest({ viewer: traffic, layer: "traffic", from: new Date(START).toISOString() });
    if (live.layer !== "traffic") throw new Error("layer");
    // Newest by observation time, not by arrival: the late readings were committed last but observed earlier.
    const newest = new Map<string, Stored>();
    for (const r of all) {
      const cur = newest.get(r.device);
      if (r.dataset === "traffic.flow" && (!cur || Date.parse(cur.observedAt) < Date.parse(r.observedAt))) newest.set(r.device, r);
    }
    expect(live.sensors.ids.length).toBe(newest.size);
    live.sensors.ids.forEach((id, i) => expect(live.sensors.leafIndex[i]).toBe(newest.get(id)!.leaf));
    // Incidents that block lanes come only with access to safety.incidents.
    expect(live.incidents).toBeNull();
  });

  it("replays traffic frames equal to per-bucket means recomputed in TypeScript", async () => {
    const res = await getLayerFrames({ viewer: traffic, layer: "traffic", from: new Date(START).toISOString(), to: new Date(END + MIN).toISOString(), bucket: 300 });
    const from = Date.parse(res.from);
    const ids = res.series.ratio.ids;
    const ratio = decodeQ8(res.series.ratio.q);
    const sums = new Map<string, [number, number]>();
    for (const r of all) {
      if (r.dataset !== "traffic.flow") continue;
      const k = `${r.device}|${(bucketOf(Date.parse(r.observedAt)) - from) / BUCKET}`;
      const s = sums.get(k) ?? [0, 0];
      s[0] += num(r.values.speedKmh) / m.traffic.sensors.freeFlowKmh[m.sensorIndex.get(r.device)!];
      s[1]++;
      sums.set(k, s);
    }
    let compared = 0, bad = 0;
    for (let b = 0; b < res.count; b++) {
      ids.forEach((id, i) => {
        const s = sums.get(`${id}|${b}`);
        const got = ratio[b * ids.length + i];
        if (!s) {
          if (!Number.isNaN(got)) bad++;
          return;
        }
        compared++;
        if (Math.abs(got - Math.min(1.016, s[0] / s[1])) > 0.0026) bad++;
      });
    }
    expect(compared).toBeGreaterThan(1000);
    expect(bad).toBe(0);

    // A reading arriving late for a past (cached) bucket changes that bucket's frame.
    const id = ids[0];
    const t = Date.parse(res.from) + 5 * BUCKET + 1000;
    const key = `${id}|5`;
    const before = sums.get(key)!;
    const seq = Math.max(...all.filter((r) => r.device === id).map((r) => r.seq)) + 1;
    const late: AcceptedReading = {
      device: id, dataset: "traffic.flow", seq, observedAt: new Date(t).toISOString(), location: [0, 0],
      values: { segmentId: "x", speedKmh: 0, flowVehH: 0, occupancy: 1 }, payloadHash: new Uint8Array(32), signature: new Uint8Array(64),
    };
    const [leaf] = await storeReadings(db.sql, [late]);
    all.push({ ...late, leaf });
    const again = await getLayerFrames({ viewer: traffic, layer: "traffic", from: new Date(START).toISOString(), to: new Date(END + MIN).toISOString(), bucket: 300 });
    const v = decodeQ8(again.series.ratio.q)[5 * ids.length];
    expect(Math.abs(v - before[0] / (before[1] + 1))).toBeLessThanOrEqual(0.0026);
  });

  it("precomputes past replay chunks in the background: the same frames as on demand, recomputed when a late reading changes a chunk", async () => {
    const req = { viewer: traffic, layer: "traffic" as const, from: new Date(START).toISOString(), to: new Date(END + MIN).toISOString(), bucket: 300 };
    await refreshRollup(db.sql, city);
    const onDemand = await getLayerFrames(req);
    (globalThis as { [k: symbol]: Map<string, unknown> | undefined })[Symbol.for("city-brain.map-frames-cache")]?.clear();
    let computed = 0;
    for (let n; (n = await warmReplayChunks(db.sql, city)) > 0; ) computed += n;
    // At least the past energy and camera chunks of the two hours (the chunk holding now is kept
    // current but not counted); traffic's complete chunks were stored by the request above and are loaded.
    expect(computed).toBeGreaterThanOrEqual(2);
    expect(await warmReplayChunks(db.sql, city)).toBe(0);
    // Each layer's chunk holding now is in memory too, for a first replay ending now (one
    // aggregated whole a run: three runs at most).
    await warmReplayChunks(db.sql, city);
    await warmReplayChunks(db.sql, city);
    // The newest chunk with readings: the one holding now, except in the first minutes of an even
    // hour, when the fixture's last readings (END, two minutes ago) lie in the chunk before, and the
    // chunk holding now has no readings to keep (the test failed then, at 12:01 UTC).
    const liveStart = Math.floor(END / (24 * BUCKET)) * 24 * BUCKET;
    const keys = [...((globalThis as { [k: symbol]: Map<string, unknown> | undefined })[Symbol.for("city-brain.map-frames-cache")]?.keys() ?? [])];
    for (const layer of ["traffic", "energy", "safety"]) expect(keys.some((k) => k.endsWith(`|${layer}|300|${liveStart}`))).toBe(true);
    const sameAsOnDemand = (res: Awaited<ReturnType<typeof getLayerFrames>>) => {
      // The same series, to one quantisation step (PostgreSQL may sum floats in another order).
      expect(Object.keys(res.series)).toEqual(Object.keys(onDemand.series));
      for (const k of Object.keys(onDemand.series)) {
        expect(res.series[k].ids).toEqual(onDemand.series[k].ids);
        const a = decodeQ8(onDemand.series[k].q), b = decodeQ8(res.series[k].q);
        let off = 0;
        a.forEach((x, i) => {
          if (Number.isNaN(x) !== Number.isNaN(b[i]) || Math.abs(x - b[i]) > onDemand.series[k].q.scale * 1.01) off++;
        });
        expect(off).toBe(0);
      }
    };
    sameAsOnDemand(await getLayerFrames(req));
    // The complete chunks are stored with the version they were computed at; a restarted
    // console (empty memory) loads them instead of computing, and serves the same frames.
    const chunkMs = 24 * BUCKET;
    const past = Math.floor(Date.now() / chunkMs) * chunkMs - chunkMs;
    const storedVersion = async (start: number) =>
      (await db.sql.query<{ version: number }>(`SELECT version::float8 AS version FROM map_frame_chunk WHERE dataset_id = 'traffic.flow' AND bucket_s = 300 AND chunk_start = $1`, [new Date(start).toISOString()]))[0]?.version;
    const [{ v: pastVersion }] = await db.sql.query<{ v: number }>(
      `SELECT max(last_leaf)::float8 AS v FROM map_bucket_total WHERE dataset_id = 'traffic.flow' AND bucket >= $1 AND bucket < $2`,
      [new Date(past).toISOString(), new Date(past + chunkMs).toISOString()],
    );
    expect(await storedVersion(past)).toBe(pastVersion);
    (globalThis as { [k: symbol]: Map<string, unknown> | undefined })[Symbol.for("city-brain.map-frames-cache")]?.clear();
    expect(await warmReplayChunks(db.sql, city)).toBe(0);
    sameAsOnDemand(await getLayerFrames(req));
    (globalThis as { [k: symbol]: Map<string, unknown> | undefined })[Symbol.for("city-brain.map-frames-cache")]?.clear();
    sameAsOnDemand(await getLayerFrames(req));
    // A reading arriving late in a warmed chunk: the next run computes that chunk again.
    const id = onDemand.series.ratio.ids[1];
    const seq = Math.max(...all.filter((r) => r.device === id).map((r) => r.seq)) + 1;
    const late: AcceptedReading = {
      device: id, dataset: "traffic.flow", seq, observedAt: new Date(START + 1000).toISOString(), location: [0, 0],
      values: { segmentId: "x", speedKmh: 1, flowVehH: 0, occupancy: 1 }, payloadHash: new Uint8Array(32), signature: new Uint8Array(64),
    };
    const [leaf] = await storeReadings(db.sql, [late]);
    all.push({ ...late, leaf });
    await refreshRollup(db.sql, city);
    expect(await warmReplayChunks(db.sql, city)).toBe(1);
    // ... and rewrites its stored copy at the new version.
    expect(await storedVersion(Math.floor((START + 1000) / chunkMs) * chunkMs)).toBe(leaf);
  });

  it("stores the chunk it kept current while it held now once the clock has passed its end, with no fold after", async () => {
    const cache = () => (globalThis as { [k: symbol]: Map<string, unknown> | undefined })[Symbol.for("city-brain.map-frames-cache")];
    const chunkMs = 24 * BUCKET;
    // The fixture's last readings are at END: the chunk holding END has readings.
    const now = END;
    const live = Math.floor(now / chunkMs) * chunkMs;
    const storedAt = async () =>
      (await db.sql.query<{ version: number }>(`SELECT version::float8 AS version FROM map_frame_chunk WHERE dataset_id = 'traffic.flow' AND bucket_s = 300 AND chunk_start = $1`, [new Date(live).toISOString()]))[0]?.version;
    await refreshRollup(db.sql, city);
    await db.sql.query(`DELETE FROM map_frame_chunk WHERE chunk_start = $1`, [new Date(live).toISOString()]);
    cache()?.clear();
    // The job keeps the chunk holding now in memory (traffic first: one such chunk aggregated whole a run).
    await warmReplayChunks(db.sql, city, now);
    expect([...(cache()?.keys() ?? [])].some((k) => k.endsWith(`|traffic|300|${live}`))).toBe(true);
    expect(await storedAt()).toBeUndefined();
    // Two hours on, nothing folded since: the chunk is complete, unchanged, and stored as it is.
    const [{ v }] = await db.sql.query<{ v: number }>(`SELECT max(last_leaf)::float8 AS v FROM map_bucket_total WHERE dataset_id = 'traffic.flow' AND bucket >= $1 AND bucket < $2`, [new Date(live).toISOString(), new Date(live + chunkMs).toISOString()]);
    try {
      while ((await warmReplayChunks(db.sql, city, live + chunkMs + 60_000)) > 0);
      expect(await storedAt()).toBe(v);
    } finally {
      // That chunk holds the real clock's now: no stored copy of it for the tests after this one.
      await db.sql.query(`DELETE FROM map_frame_chunk WHERE chunk_start >= $1`, [new Date(live).toISOString()]);
      cache()?.clear();
    }
  });

  it("aggregates again only the buckets of the chunk holding now whose version moved, to the frames a whole computation gives", async () => {
    const req = { viewer: traffic, layer: "traffic" as const, from: new Date(START).toISOString(), to: new Date(END + MIN).toISOString(), bucket: 300 };
    const cache = () => (globalThis as { [k: symbol]: Map<string, unknown> | undefined })[Symbol.for("city-brain.map-frames-cache")];
    await refreshRollup(db.sql, city);
    cache()?.clear();
    await getLayerFrames(req);
    // A reading in the newest bucket with data, and a late one two buckets before it.
    const id = m.traffic.sensors.ids[2];
    const seq = Math.max(...all.filter((r) => r.device === id).map((r) => r.seq));
    const at = [END - 2 * BUCKET, END];
    const added: AcceptedReading[] = at.map((t, i) => ({
      device: id, dataset: "traffic.flow", seq: seq + 1 + i, observedAt: new Date(t).toISOString(), location: [0, 0],
      values: { segmentId: "x", speedKmh: 3, flowVehH: 4000, occupancy: 1 }, payloadHash: new Uint8Array(32), signature: new Uint8Array(64),
    }));
    const leaves = await storeReadings(db.sql, added);
    all.push(...added.map((r, i) => ({ ...r, leaf: leaves[i] })));
    await refreshRollup(db.sql, city);
    // Which windows the next request aggregates from the rollup.
    const windows: number[][] = [];
    const query = db.sql.query.bind(db.sql);
    db.sql.query = (async (text: string, params?: unknown[]) => {
      if (text.includes("string_agg(device_id")) windows.push([Date.parse(String(params![1])), Date.parse(String(params![2]))]);
      return query(text, params);
    }) as typeof db.sql.query;
    let spliced;
    try {
      spliced = await getLayerFrames(req);
    } finally {
      db.sql.query = query;
    }
    const chunkMs = 24 * BUCKET, live = Math.floor(Date.now() / chunkMs) * chunkMs;
    // Both buckets lie in the chunk holding now except in a chunk's first minutes: then that
    // chunk is complete and computed whole, as before.
    if (bucketOf(at[0]) >= live) expect(windows).toEqual([[bucketOf(at[0]), bucketOf(at[1]) + BUCKET]]);
    cache()?.clear();
    const whole = await getLayerFrames(req);
    expect(Object.keys(spliced.series)).toEqual(["ratio", "flow"]);
    for (const k of Object.keys(whole.series)) {
      expect(spliced.series[k].ids).toEqual(whole.series[k].ids);
      // The chunk holding now, spliced, equals its whole computation. A complete chunk may come
      // from the store on one side and be computed on the other (in a chunk's first minutes the
      // late reading falls in the chunk before): stored chunks are quantized once more, so
      // there the two agree within one step of the series' scale.
      const a = decodeQ8(spliced.series[k].q), b = decodeQ8(whole.series[k].q), w = whole.series[k].ids.length;
      const liveFrom = Math.max(0, (live - Date.parse(whole.from)) / BUCKET) * w;
      expect(a.length).toBe(b.length);
      for (let i = 0; i < a.length; i++) {
        if (Number.isNaN(b[i])) expect(a[i]).toBeNaN();
        else if (i >= liveFrom) expect(a[i]).toBe(b[i]);
        else expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(whole.series[k].q.scale * 1.0001);
      }
    }
    // The spliced frames hold the new readings: the sensor's flow in the newest bucket moved.
    const col = whole.series.flow.ids.indexOf(id), b = (bucketOf(END) - Date.parse(whole.from)) / BUCKET;
    const flow = decodeQ8(spliced.series.flow.q)[b * whole.series.flow.ids.length + col];
    const mine = all.filter((r) => r.device === id && bucketOf(Date.parse(r.observedAt)) === bucketOf(END)).map((r) => num(r.values.flowVehH));
    expect(Math.abs(flow - mine.reduce((a, x) => a + x, 0) / mine.length)).toBeLessThanOrEqual(spliced.series.flow.q.scale);
  });

  it("keeps stored replay chunks for their span only: older ones are pruned and not stored again", async () => {
    const chunkMs = 24 * BUCKET;
    const count = async () => Number((await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM map_frame_chunk WHERE dataset_id = 'traffic.flow'`))[0].n);
    const recent = await count();
    expect(recent).toBeGreaterThan(0);
    const old = Math.floor((Date.now() - STORED_CHUNK_SPAN_MS) / chunkMs) * chunkMs - 3 * chunkMs;
    // A chunk stored before the span (as an older console would have): copy a recent row to an old start.
    await db.sql.query(
      `INSERT INTO map_frame_chunk (dataset_id, bucket_s, chunk_start, city_key, version, series, data, updated_at)
       SELECT dataset_id, bucket_s, $1, city_key, version, series, data, now() FROM map_frame_chunk WHERE dataset_id = 'traffic.flow' LIMIT 1`,
      [new Date(old).toISOString()],
    );
    expect(await count()).toBe(recent + 1);
    (globalThis as { [k: symbol]: number | undefined })[Symbol.for("city-brain.map-frames-pruned-at")] = 0;
    await warmReplayChunks(db.sql, city);
    expect(await count()).toBe(recent);
    // A request for a window before the span is answered, and nothing of it is stored.
    const res = await getLayerFrames({ viewer: traffic, layer: "traffic", from: new Date(old).toISOString(), to: new Date(old + chunkMs).toISOString(), bucket: 300 });
    expect(res.count).toBe(24);
    expect(res.series.ratio.ids.length).toBe(m.traffic.sensors.ids.length);
    expect(await count()).toBe(recent);
  });

  it("aggregates consumption on the hexagon grid in SQL as feeder means times their cell shares", async () => {
    const res = await getLayerFrames({ viewer: energy, layer: "energy", from: new Date(START).toISOString(), to: new Date(END + MIN).toISOString(), bucket: 600 });
    const from = Date.parse(res.from);
    const feederOf = new Map(m.energy.feeders.meterIds.map((id, i) => [id, m.energy.feeders.ids[i]]));
    const means = new Map<string, [number, number]>();
    for (const r of all) {
      if (r.dataset !== "energy.load" || r.values.meter !== "feeder") continue;
      const b = Math.floor((Date.parse(r.observedAt) - from) / 600_000);
      const k = `${feederOf.get(r.device)}|${b}`;
      const s = means.get(k) ?? [0, 0];
      s[0] += num(r.values.loadMw);
      s[1]++;
      means.set(k, s);
    }
    const cells = new Map<string, number>();
    for (const [k, [sum, n]] of means) {
      const [feeder, b] = k.split("|");
      for (const [cell, share] of m.feederCells.get(feeder)!) {
        const ck = `${m.energy.cells.ids[cell]}|${b}`;
        cells.set(ck, (cells.get(ck) ?? 0) + (sum / n) * share);
      }
    }
    const { ids, q } = res.series.cellLoad;
    const got = decodeQ8(q);
    let bad = 0, compared = 0;
    for (let b = 0; b < res.count; b++) {
      ids.forEach((id, i) => {
        const want = cells.get(`${id}|${b}`);
        const v = got[b * ids.length + i];
        if (want === undefined) return void (Number.isNaN(v) || bad++);
        compared++;
        if (Math.abs(v - want) > q.scale / 2 + 0.002) bad++;
      });
    }
    expect(compared).toBeGreaterThan(100);
    expect(bad).toBe(0);
    // Substation utilisation: the sum of its feeders' means over its capacity.
    const su = decodeQ8(res.series.substationUtil.q);
    const sids = res.series.substationUtil.ids;
    const s0 = m.energy.substations.ids.indexOf(sids[0]);
    let load = 0;
    m.energy.feeders.ids.forEach((fid, i) => {
      if (m.feederSubstation[i] !== s0) return;
      const s = means.get(`${fid}|3`);
      if (s) load += s[0] / s[1];
    });
    expect(su[3 * sids.length]).toBeCloseTo(load / m.energy.substations.capacityMw[s0], 2);
  });

  it("computes the KPI trends from the rollup as a recomputation over the readings does", async () => {
    const to = END + MIN;
    const res = await getMapKpis({ viewer: traffic, from: new Date(START).toISOString(), to: new Date(to).toISOString(), bucket: 300 });
    expect(res.energy).toBeNull();
    expect(res.access.find((a) => a.datasetId === "energy.load")?.allowed).toBe(false);
    const from = Date.parse(res.from);
    // Average speed per bucket: the mean of the readings' speeds.
    const per = new Map<number, [number, number]>();
    for (const r of all) {
      if (r.dataset !== "traffic.flow") continue;
      const b = (bucketOf(Date.parse(r.observedAt)) - from) / BUCKET;
      const s = per.get(b) ?? [0, 0];
      s[0] += num(r.values.speedKmh);
      s[1]++;
      per.set(b, s);
    }
    res.traffic!.trendSpeed.values.forEach((v, b) => {
      const s = per.get(b);
      if (!s) expect(v).toBeNull();
      else near(v, s[0] / s[1], 0.05 + 1e-9);
    });
    // Traffic performance index: per sensor and 5-minute bucket the segment index of its mean
    // speed, weighted by segment length; the city over the last 15 minutes, the trend per bucket
    // over 2 hours, corridors (named roads, at least two sensors) by index, worst first.
    const segs = new Map(city.network.segments.map((s) => [s.id, s]));
    const dev = new Map<string, { device: string; bucket: number; speed: number; ratio: number; n: number }>();
    for (const r of all) {
      if (r.dataset !== "traffic.flow") continue;
      const t = Date.parse(r.observedAt);
      if (t >= to) continue;
      const k = `${r.device}|${bucketOf(t)}`;
      const e = dev.get(k) ?? { device: r.device, bucket: bucketOf(t), speed: 0, ratio: 0, n: 0 };
      e.speed += num(r.values.speedKmh);
      e.ratio += num(r.values.speedKmh) / m.traffic.sensors.freeFlowKmh[m.sensorIndex.get(r.device)!];
      e.n++;
      dev.set(k, e);
    }
    const graded = [...dev.values()].map((e) => {
      const seg = segs.get(m.traffic.sensors.segmentIds[m.sensorIndex.get(e.device)!])!;
      return { ...e, road: seg.roadId, index: segmentIndex(e.speed / e.n, seg.class)!, weight: seg.lengthM };
    });
    const since = to - 15 * MIN;
    const nowRows = graded.filter((g) => g.bucket >= since);
    const cityIndex = weightedIndex(nowRows)!;
    near(res.traffic!.index, cityIndex, 0.005 + 1e-9);
    expect(res.traffic!.grade).toBe(gradeOfIndex(res.traffic!.index));
    const trendFrom = Date.parse(res.traffic!.trendIndex.from);
    expect(res.traffic!.trendIndex.values.length).toBe(Math.ceil((to - trendFrom) / BUCKET));
    res.traffic!.trendIndex.values.forEach((v, b) => {
      const rowsB = graded.filter((g) => g.bucket === trendFrom + b * BUCKET);
      if (!rowsB.length) expect(v).toBeNull();
      else near(v, weightedIndex(rowsB)!, 0.005 + 1e-9);
    });
    // Asked again, the trend comes from the per-bucket cache (versions unchanged) and is the same.
    const again = await getMapKpis({ viewer: traffic, from: new Date(START).toISOString(), to: new Date(to).toISOString(), bucket: 300 });
    expect(again.traffic!.trendIndex).toEqual(res.traffic!.trendIndex);
    const roads = new Map<string, typeof nowRows>();
    for (const g of nowRows) roads.set(g.road, [...(roads.get(g.road) ?? []), g]);
    const named = new Set(city.network.roads.filter((r) => r.nameZh).map((r) => r.id));
    const worst = [...roads]
      .filter(([road, list]) => new Set(list.map((g) => g.device)).size >= 2 && named.has(road))
      .map(([road, list]) => ({ road, idx: weightedIndex(list)!, ratio: list.reduce((a, g) => a + g.ratio / g.n, 0) / list.length }))
      .sort((a, b) => b.idx - a.idx || a.ratio - b.ratio || (a.road < b.road ? -1 : 1))
      .slice(0, 5);
    expect(worst.length).toBeGreaterThan(0);
    expect(res.traffic!.worstCorridors.map((c) => c.roadId)).toEqual(worst.map((w) => w.road));
    worst.forEach((w, i) => {
      near(res.traffic!.worstCorridors[i].index, w.idx, 0.005 + 1e-9);
      near(res.traffic!.worstCorridors[i].speedRatio, w.ratio);
      expect(res.traffic!.worstCorridors[i].grade).toBe(gradeOfIndex(w.idx));
    });

    // Energy and safety with their owners' access.
    const e = await getMapKpis({ viewer: energy, from: new Date(START).toISOString(), to: new Date(to).toISOString(), bucket: 300 });
    const fb = new Map<number, [number, number]>();
    for (const r of all) {
      if (r.dataset !== "energy.load" || r.values.meter !== "feeder") continue;
      const b = (bucketOf(Date.parse(r.observedAt)) - from) / BUCKET;
      const s = fb.get(b) ?? [0, 0];
      s[0] += num(r.values.loadMw);
      s[1]++;
      fb.set(b, s);
    }
    e.energy!.trendLoad.values.forEach((v, b) => {
      const s = fb.get(b);
      if (s) near(v, (s[0] / s[1]) * city.energy.feeders.length, 0.05 + 1e-9);
    });
    const s = await getMapKpis({ viewer: safety, from: new Date(START).toISOString(), to: new Date(to).toISOString(), bucket: 300 });
    expect(s.safety!.open).toEqual({ s1: 0, s2: 0, s3: 1 });
    const openAt = (b: number) => {
      const ids = new Set<string>();
      for (const r of all) {
        if (r.dataset === "safety.incidents" && r.values.status !== "resolved" && (bucketOf(Date.parse(r.observedAt)) - from) / BUCKET === b) ids.add(String(r.values.incidentId));
      }
      return ids.size;
    };
    s.safety!.trendOpen.values.forEach((v, b) => {
      if (v !== null) expect(v).toBe(openAt(b));
    });
  });

  it("grades the city's index trend in the background: a live KPI request after it grades no bucket again and answers the same trend", async () => {
    await refreshRollup(db.sql, city);
    const now = Date.now();
    await warmKpiTrend(db.sql, city, now);
    const query = db.sql.query.bind(db.sql);
    const graded: string[] = [];
    db.sql.query = (async (text: string, params?: unknown[]) => {
      if (/NULL::text AS road_id/.test(text)) graded.push(text);
      return query(text, params);
    }) as typeof db.sql.query;
    let res;
    try {
      res = await getMapKpis({ viewer: traffic, bucket: 300 });
    } finally {
      db.sql.query = query;
    }
    expect(graded).toEqual([]);
    // The same values as grading every bucket of the trend's window now.
    const trendFrom = Date.parse(res.traffic!.trendIndex.from);
    const fresh = await scopedIndexTrend(db.sql, wholeCityBasis("traffic.flow"), new Date(trendFrom), new Date(Date.parse(res.to)), sensorGrading(city));
    const want: (number | null)[] = res.traffic!.trendIndex.values.map(() => null);
    for (const r of fresh) if (r.w > 0) want[r.b - trendFrom / BUCKET] = Math.round((r.iw / r.w) * 100) / 100;
    expect(want.some((v) => v !== null)).toBe(true);
    expect(res.traffic!.trendIndex.values).toEqual(want);
    // A guest reads public traffic whole too: the same buckets, the same trend.
    const asGuest = await getMapKpis({ viewer: guest, to: res.to, bucket: 300 });
    expect(asGuest.traffic!.trendIndex).toEqual(res.traffic!.trendIndex);
  });

  it("grades the traffic index only from what a basis may read: its area, its fields, k sensors", async () => {
    const grading = sensorGrading(city);
    const from = new Date(END - 15 * MIN), to = new Date(END + MIN);
    const basis = (b: Partial<ReadBasis>): ReadBasis => ({ datasetId: "traffic.flow", ownerDepartmentId: "traffic", basis: "grant", scope: "raw", fields: null, window: { from: null, until: null }, area: null, ...b });
    const raw = await scopedRoadIndex(db.sql, basis({}), from, to, grading);
    const sensorsOf = (rows: { sensors: number }[]) => rows.reduce((a, r) => a + r.sensors, 0);
    expect(sensorsOf(raw)).toBeGreaterThan(10);
    // An area: only sensors inside it count (every road's sensors are then inside).
    const sensors = city.devices.filter((d) => d.kind === "traffic-sensor");
    const area = { center: sensors[0].location as [number, number], radiusM: 1500 };
    const inside = new Set(sensors.filter((d) => withinArea(d.location, area)).map((d) => d.id));
    const inArea = await scopedRoadIndex(db.sql, basis({ area }), from, to, grading);
    expect(sensorsOf(inArea)).toBeGreaterThan(0);
    expect(sensorsOf(inArea)).toBeLessThanOrEqual(inside.size);
    const roadsInside = new Set(sensors.filter((d) => inside.has(d.id)).map((d) => m.traffic.sensors.roadIds[m.sensorIndex.get(d.id)!]));
    expect(inArea.filter((r) => !roadsInside.has(r.road_id))).toEqual([]);
    // Without the speed field there is nothing to grade.
    expect(await scopedRoadIndex(db.sql, basis({ fields: ["flowVehH", "occupancy"] }), from, to, grading)).toEqual([]);
    expect((await getMapKpis({ viewer: traffic, to: new Date(to).toISOString(), bucket: 300 })).traffic!.index).not.toBeNull();
    // Aggregated: a trend bucket needs k sensors; a small area has fewer.
    const lone = { center: sensors[0].location as [number, number], radiusM: 150 };
    const fewTrend = await scopedIndexTrend(db.sql, basis({ scope: "aggregated", area: lone }), new Date(END - 60 * MIN), to, grading);
    expect(fewTrend).toEqual([]);
    expect((await scopedIndexTrend(db.sql, basis({ scope: "aggregated" }), new Date(END - 60 * MIN), to, grading)).length).toBeGreaterThan(0);
  });

  it("gives a feature its latest reading with its ledger leaf, its owner and a 24 h series", async () => {
    const sensor = m.traffic.sensors.ids[3];
    const d = await getFeatureDetails({ viewer: guest, id: sensor, bucket: 300 });
    const newest = all.filter((r) => r.device === sensor).sort((a, b) => b.leaf - a.leaf)[0];
    expect(d.latest?.leafIndex).toBe(newest.leaf);
    expect(d.departmentId).toBe("traffic");
    // Named things among the facts carry their names in both languages, not only their ids.
    const district = d.facts.find((x) => x.key === "district")!;
    expect(district.nameZh).toBe(city.districts.find((x) => x.id === district.value)!.nameZh);
    expect(district.nameEn).toMatch(/District|Zone/);
    expect(d.series?.fields.find((f) => f.key === "speedKmh")?.values.filter((v) => v !== null).length).toBeGreaterThan(20);
    await expect(getFeatureDetails({ viewer: guest, id: "trf-999999", bucket: 300 })).rejects.toMatchObject({ code: "not_found" });
    await expect(getFeatureDetails({ viewer: guest, id: m.energy.feeders.ids[0], bucket: 300 })).rejects.toMatchObject({ code: "forbidden" });
    const f = await getFeatureDetails({ viewer: energy, id: m.energy.feeders.ids[0], bucket: 300 });
    expect(f.kind).toBe("feeder");
    expect(f.facts.find((x) => x.key === "substation")?.nameZh).toMatch(/变电站$/);
    expect(f.latest?.device).toBe(m.energy.feeders.meterIds[0]);
    const inc = await getFeatureDetails({ viewer: safety, id: "inc-test-a", bucket: 300 });
    expect(inc.facts.find((x) => x.key === "status")?.value).toBe("resolved");
  });

  it("ends a run at the newest reading stored when it started, however fast readings keep arriving", async () => {
    await refreshRollup(db.sql, city);
    // Readings keep arriving between every fold step of a run (as under sustained ingest):
    // the run must still end, at the leaf that was newest when it started.
    const sensors = m.traffic.sensors.ids.slice(0, 50);
    let seq = 1_000_000;
    const batch = (t: number): AcceptedReading[] =>
      sensors.map((device) => ({
        device, dataset: "traffic.flow", seq: ++seq, observedAt: new Date(t).toISOString(), location: [121.4, 37.4] as [number, number],
        values: { speedKmh: 40, flowVehH: 600, occupancy: 0.2 }, payloadHash: new Uint8Array(32), signature: new Uint8Array(64),
      }));
    await storeReadings(db.sql, batch(END));
    const [{ hi }] = await db.sql.query<{ hi: number }>(`SELECT max(leaf_index)::float8 AS hi FROM reading`);
    let stop = false;
    let stored = 0;
    // Each batch comes in its own turn of the event loop, as intake from sockets does (a
    // loop of PGlite calls alone never leaves the microtask queue, and would hold up the run's
    // pauses between steps, lib/db/give-way.ts, as it would any request).
    const feeder = (async () => {
      for (let i = 0; i < 400 && !stop; i++) {
        await new Promise<void>((r) => setImmediate(r));
        await storeReadings(db.sql, batch(END + i));
        stored++;
      }
    })();
    await refreshRollup(db.sql, city, { stepLeaves: 10 });
    stop = true;
    await feeder;
    const [state] = await db.sql.query<{ last_leaf: number }>(`SELECT last_leaf::float8 AS last_leaf FROM map_rollup_state WHERE id = 1`);
    // It folded what was there when it was called and ended while readings still arrived
    // (a run that chased them ended only when the feeder gave up after 400 batches).
    expect(Number(state.last_leaf)).toBeGreaterThanOrEqual(Number(hi));
    expect(stored).toBeLessThan(400);
    await refreshRollup(db.sql, city);
  });

  it("checks access on every dataset and refuses bad windows, buckets and layers", async () => {
    await expect(getLayerLatest({ viewer: guest, layer: "energy" })).rejects.toBeInstanceOf(AppError);
    const s = await getLayerFeatures({ viewer: guest, layer: "safety" });
    if (s.layer !== "safety") throw new Error("layer");
    expect(s.cameras).toBeNull();
    expect(s.stations.ids.length).toBe(city.safety.policeStations.length + city.safety.fireStations.length);
    expect(s.access.filter((a) => !a.allowed).map((a) => a.datasetId).sort()).toEqual(["safety.cameras", "safety.incidents"]);
    const now = Date.now();
    await expect(getLayerFrames({ viewer: traffic, layer: "traffic", bucket: 120 })).rejects.toMatchObject({ code: "validation" });
    await expect(getLayerFrames({ viewer: traffic, layer: "traffic", bucket: 300, from: new Date(now).toISOString(), to: new Date(now - MIN).toISOString() })).rejects.toMatchObject({ code: "validation" });
    await expect(getLayerLatest({ viewer: traffic, layer: "traffic", to: new Date(now + 3_600_000).toISOString() })).rejects.toMatchObject({ code: "validation" });
    await expect(getMapKpis({ viewer: traffic, bucket: 300, from: new Date(now - 30 * 24 * 3_600_000).toISOString() })).rejects.toMatchObject({ code: "validation" });
  });
});
