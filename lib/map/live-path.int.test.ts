import { afterAll, beforeAll, describe, expect, it } from "vitest";
import os from "node:os";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { openDb, setDb, type Db } from "../db/client";
import { seedCity } from "../server/seed";
import { signerFromSeed, type DeviceSigner } from "../sim/simulator-keys";
import { registerDeviceKeys } from "../devices/register-devices";
import { createSimulator } from "../sim";
import { signEnvelope } from "../ingest/envelope";
import { Intake } from "../ingest/intake";
import type { OnCommit } from "../ingest/commit";
import { Bus, CHUNK_CHARS, getBus, type GrantChange, type MapUpdateEvent } from "../events/bus";
import { announceGrantChange } from "../grants/announce-grant-change";
import { smallCity } from "../ingest/testing/ingest-fixture";
import type { CityModel, Device } from "../city/types";
import { foldCommit, refreshRollup, ROLLUP_DATASETS } from "./rollup";
import { latestRowsNow } from "../access/scoped/latest-memory";

// The live path end to end: readings committed through the real intake are folded into the
// map's rollup in their commit's transaction, and each commit publishes one map-update that
// reaches every bus listening on the database (other connections: other console processes).

const targets = await testTargets();
const ctx = { source: { transport: "http" as const, detail: "live-path test" } };
const enc = new TextEncoder();

/** Waits until `ok` holds (polling), failing after `ms`. */
async function until(ok: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("the live path on %s", (name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  /** A second handle on the same database (PostgreSQL: its own pool and LISTEN connection; PGlite: the same instance). */
  let other: Db;
  let city: CityModel;
  const signers = new Map<string, DeviceSigner>();
  const seqs = new Map<string, number>();
  let devices: Device[];
  const heard: { a: MapUpdateEvent[]; b: MapUpdateEvent[] } = { a: [], b: [] };
  const busA = new Bus(), busB = new Bus();
  const stops: (() => Promise<void>)[] = [];
  let sim: ReturnType<typeof createSimulator>;

  const fold: OnCommit = async (tx, stored, first) => void (await foldCommit(tx, city, first + stored.length - 1, stored.length));

  /** Signed readings of the devices, the next seq of each, observed `agoMs` before now (simulated values). */
  function lines(ds: readonly Device[], agoMs = 0): Uint8Array {
    const t = new Date(Date.now() - agoMs);
    const values = new Map(sim.readingsAt(t).map((r) => [r.device, r]));
    const out: string[] = [];
    for (const d of ds) {
      const r = values.get(d.id);
      if (!r) throw new Error(`no simulated reading of ${d.id}`);
      const seq = (seqs.get(d.id) ?? 0) + 1;
      seqs.set(d.id, seq);
      const env = { device: d.id, dataset: r.dataset, seq, observedAt: t.toISOString(), location: [r.location[0], r.location[1]] as [number, number], values: r.values };
      out.push(JSON.stringify(signEnvelope(env, (m) => signers.get(d.id)!.sign(m))));
    }
    return enc.encode(out.join("\n") + "\n");
  }

  async function submit(intake: Intake, ds: readonly Device[], agoMs = 0): Promise<void> {
    const outs = await intake.submitNdjson(lines(ds, agoMs), ctx);
    expect(outs.filter((o) => o.status !== "accepted")).toEqual([]);
  }

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    other = db.url ? await openDb({ DATABASE_URL: db.url, dataDir: os.tmpdir() }) : db;
    city = smallCity();
    await seedCity(db, city);
    sim = createSimulator({ city, seed: "live-path" });
    const kinds = ["traffic-sensor", "feeder-meter", "production-meter", "camera"];
    devices = kinds.flatMap((k) => city.devices.filter((d) => d.kind === k).slice(0, 40));
    devices.forEach((d, i) => signers.set(d.id, signerFromSeed(Uint8Array.from({ length: 32 }, (_, j) => (j === 0 ? i & 255 : j === 1 ? i >> 8 : 7)))));
    await registerDeviceKeys(db.sql, devices.map((d) => ({ device: d.id, publicKey: signers.get(d.id)!.publicKey })));
    await db.sql.query(`UPDATE device SET created_at = now() - interval '2 days'`);
    await refreshRollup(db.sql, city); // sets the derived tables up for this city
    stops.push(await busA.connect(db.sql));
    stops.push(await busB.connect(other.sql));
    busA.on("map-update", (e) => heard.a.push(e));
    busB.on("map-update", (e) => heard.b.push(e));
  });
  afterAll(async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    if (other && other !== db) await other.close();
    await db?.drop();
  });

  it("publishes one map-update per commit, carrying traffic, energy and safety values, to listeners on two connections", async () => {
    const intake = await Intake.start({ sql: db.sql, maxMessageBytes: 8192, maxBatchBytes: 1 << 22, threads: 0, onCommit: fold });
    try {
      heard.a.length = heard.b.length = 0;
      const one = [devices[0], devices.find((d) => d.kind === "feeder-meter")!, devices.find((d) => d.kind === "camera")!];
      const commitsBefore = intake.stats().commits;
      for (let i = 0; i < 3; i++) await submit(intake, one);
      const commits = intake.stats().commits - commitsBefore;
      expect(commits).toBe(3);
      await until(() => heard.a.length >= 3 && heard.b.length >= 3, 5000);
      await new Promise((r) => setTimeout(r, 200));
      // Exactly one event per commit, the same on both connections, in commit order.
      expect(heard.a.length).toBe(3);
      expect(heard.b).toEqual(heard.a);
      for (const e of heard.a) {
        expect(new Set(e.updates.map((u) => u.dataset))).toEqual(new Set(["traffic.flow", "energy.load", "safety.cameras"]));
        expect(e.updates.find((u) => u.dataset === "energy.load")!.values.loadMw).toEqual(expect.any(Number));
        expect(e.toLeaf).toBeGreaterThan(e.fromLeaf);
      }
      expect(heard.a[1].fromLeaf).toBeGreaterThanOrEqual(heard.a[0].toLeaf);
      // The rollup is current with no backlog run: the commits folded themselves.
      const [st] = await db.sql.query<{ last_leaf: number; hi: number }>(`SELECT last_leaf::float8 AS last_leaf, (SELECT max(leaf_index)::float8 FROM reading) AS hi FROM map_rollup_state`);
      expect(st.last_leaf).toBe(st.hi);
      const latest = await db.sql.query<{ leaf_index: number }>(`SELECT leaf_index::float8 AS leaf_index FROM map_latest WHERE device_id = $1`, [one[1].id]);
      expect(latest[0].leaf_index).toBe(heard.a[2].updates.find((u) => u.device === one[1].id)!.leafIndex);
    } finally {
      await intake.close();
    }
  });

  it("delivers a commit whose map-update is far beyond NOTIFY's 8000 bytes whole", async () => {
    const intake = await Intake.start({ sql: db.sql, maxMessageBytes: 8192, maxBatchBytes: 1 << 22, threads: 0, onCommit: fold });
    try {
      heard.a.length = heard.b.length = 0;
      await submit(intake, devices);
      await until(() => heard.a.length >= 1 && heard.b.length >= 1, 5000);
      const [e] = heard.b;
      expect(JSON.stringify(e).length).toBeGreaterThan(3 * CHUNK_CHARS);
      expect(new Set(e.updates.map((u) => u.device))).toEqual(new Set(devices.map((d) => d.id)));
      expect(heard.a).toEqual(heard.b);
    } finally {
      await intake.close();
    }
  });

  it("carries a grant change to a listener on another connection within 2 s", async () => {
    const stop = await getBus().connect(db.sql);
    try {
      const got: { g: GrantChange; at: number }[] = [];
      const on = (g: GrantChange) => got.push({ g, at: Date.now() });
      busB.on("grants", on);
      const t0 = Date.now();
      await announceGrantChange({ id: "g-live", dataset_id: "energy.load", owner_department_id: "energy", grantee_department_id: "traffic" }, "approve");
      await until(() => got.length > 0, 2000);
      busB.off("grants", on);
      expect(got[0].g).toEqual({ grantId: "g-live", datasetId: "energy.load", ownerDepartmentId: "energy", granteeDepartmentId: "traffic", action: "approve" });
      expect(got[0].at - t0).toBeLessThan(2000);
    } finally {
      await stop();
    }
  });

  it("keeps rollup totals equal to a from-scratch fold when two processes commit and the backlog folds at once", async () => {
    // A backlog first: readings stored by an intake that does not fold (as before a restart).
    const plain = await Intake.start({ sql: db.sql, maxMessageBytes: 8192, maxBatchBytes: 1 << 22, threads: 0 });
    for (let i = 0; i < 4; i++) await submit(plain, devices, 60_000 * (20 - i));
    await plain.close();
    // Two "processes" (intakes on two database handles) fold their own commits, over
    // disjoint devices, while the backlog job folds in small steps.
    const a = await Intake.start({ sql: db.sql, maxMessageBytes: 8192, maxBatchBytes: 1 << 22, threads: 0, onCommit: fold });
    const b = await Intake.start({ sql: other.sql, maxMessageBytes: 8192, maxBatchBytes: 1 << 22, threads: 0, onCommit: fold });
    const half = Math.floor(devices.length / 2);
    try {
      const run = async (intake: Intake, ds: Device[]) => {
        for (let i = 0; i < 8; i++) await submit(intake, ds.slice((i * 7) % ds.length).concat(ds.slice(0, (i * 7) % ds.length)).slice(0, 30), 1000 * (8 - i));
      };
      const backlog = (async () => {
        for (let i = 0; i < 10; i++) {
          await refreshRollup(i % 2 ? db.sql : other.sql, city, { stepLeaves: 37 });
          // Each process's copy of map_latest catches up while the others fold.
          await latestRowsNow(i % 2 ? other.sql : db.sql, "traffic.flow");
        }
      })();
      await Promise.all([run(a, devices.slice(0, half)), run(b, devices.slice(half)), backlog]);
    } finally {
      await a.close();
      await b.close();
    }
    await refreshRollup(db.sql, city);
    const snapshot = async () => ({
      perDevice: await db.sql.query(`SELECT * FROM map_bucket_5m ORDER BY dataset_id, bucket, device_id`),
      perDataset: await db.sql.query(`SELECT * FROM map_bucket_total ORDER BY dataset_id, bucket`),
      latest: await db.sql.query(`SELECT * FROM map_latest ORDER BY dataset_id, key`),
      readings: (await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading`))[0].n,
    });
    const folded = await snapshot();
    expect(folded.perDevice.reduce((s, r) => s + Number(r.n), 0)).toBe(folded.readings);
    // Each process's copy of map_latest (lib/map/latest-memory.ts, what the map's live reads
    // read) is the table, row for row, on either handle.
    const table = (rows: Record<string, unknown>[]) =>
      rows.map((r) => ({ dataset: r.dataset_id, key: r.key, device: r.device_id, at: new Date(r.observed_at as string).toISOString(), leaf: Number(r.leaf_index), lon: Number(r.lon), lat: Number(r.lat), payload: typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload }));
    const memory = async (sql: Db["sql"]) => {
      const out = [];
      for (const d of [...ROLLUP_DATASETS].sort()) {
        const rows = [...(await latestRowsNow(sql, d))].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
        out.push(...rows.map((r) => ({ dataset: d, key: r.key, device: r.device_id, at: r.observed_at.toISOString(), leaf: r.leaf_index, lon: r.lon, lat: r.lat, payload: r.payload })));
      }
      return out;
    };
    const inTable = table(await db.sql.query(`SELECT * FROM map_latest ORDER BY dataset_id, key COLLATE "C"`));
    expect(inTable.length).toBeGreaterThan(100);
    expect(await memory(db.sql)).toEqual(inTable);
    expect(await memory(other.sql)).toEqual(inTable);
    // From scratch: the derived tables emptied and every reading folded again by the backlog.
    await db.sql.exec(`DELETE FROM map_bucket_5m; DELETE FROM map_bucket_total; DELETE FROM map_latest; UPDATE map_rollup_state SET last_leaf = -1;`);
    // The copies see the cursor go back and drop what they held.
    expect(await memory(db.sql)).toEqual([]);
    await refreshRollup(db.sql, city);
    const scratch = await snapshot();
    // The cursor went back and the rows were folded again: the copies read the table anew.
    const again = table(await db.sql.query(`SELECT * FROM map_latest ORDER BY dataset_id, key COLLATE "C"`));
    expect(await memory(db.sql)).toEqual(again);
    expect(await memory(other.sql)).toEqual(again);
    const round = (rows: Record<string, unknown>[]) =>
      rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v instanceof Date ? v.toISOString() : v])));
    expect(round(folded.perDevice)).toEqual(round(scratch.perDevice));
    expect(round(folded.perDataset)).toEqual(round(scratch.perDataset));
    expect(round(folded.latest)).toEqual(round(scratch.latest));
    expect(name).toBeTruthy();
  });
});
