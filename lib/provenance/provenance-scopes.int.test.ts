/**
 * Provenance and sources under every kind of basis: what each response contains, checked
 * against the grant's terms (not only its status). Readings are signed by registered device
 * keys and held by a checkpoint a witness cosigned, so the datum and the ledger facts that
 * each scope may see verify as the browser verifies them.
 */
import crypto from "node:crypto";
import { readLeafEntry } from "../ledger-store/leaf-entries";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { openAccessFixture, type AccessFixture } from "../access/testing/access-fixture";
import { withinArea } from "../access/scope-sql";
import type { Viewer } from "../access/viewer";
import { DATASETS, generateCity } from "../city";
import type { Device } from "../city/types";
import { registerDeviceKeys } from "../devices/register-devices";
import { storeReadings, type AcceptedReading } from "../ingest/store-readings";
import { signerFromSeed } from "../sim/simulator-keys";
import { canonicalJsonBytes } from "../ledger/canonical-json";
import { nodeEd25519, nodeSha256 } from "../ledger/node-crypto";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { generateNoteKey, SIG_TYPE_ED25519 } from "../ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../ledger/cosignature";
import { parseProofBundle } from "../ledger/proof-bundle";
import { createLogPublisher } from "../ledger-store/log-service";
import { inProcessWitness } from "../ledger-store/witnesses";
import { setLogInfo } from "../ledger-store/log-info";
import { requestGrant } from "../grants/request-grant";
import { approveGrant } from "../grants/decide-grant";
import { handle } from "../http/respond";
import { ProvenanceTrailSchema } from "../api/specs";
import * as trailRoute from "@/app/api/provenance/reading/[leaf]/route";
import * as downloadRoute from "@/app/api/provenance/reading/[leaf]/download/route";
import * as sourcesRoute from "@/app/api/provenance/sources/route";
import * as entryRoute from "@/app/api/ledger/entries/[leaf]/route";
import { getLedgerEntry } from "../ledger-store/get-entry";
import { searchEntries } from "../ledger-store/search-entries";
import { getReadingTrail, type ReadingTrail } from "./get-reading-trail";
import { downloadProvenance } from "./download-provenance";
import { listSources } from "./list-sources";
import { verifyDatum, verifyLedgerProof } from "./verify-datum";
import type { Trust } from "./datum";

const targets = await testTargets();
const ORIGIN = "it.city-brain.example/provenance";
const MIN = 60_000;
// Not on any 5- or 15-minute boundary, so a bucket never equals an exact time.
const T0 = Math.floor((Date.now() - 3 * 60 * MIN) / (15 * MIN)) * 15 * MIN + 7 * MIN + 37_123;
const at = (m: number) => new Date(T0 + m * MIN).toISOString();
const CAMERA_FIELDS = ["online", "vehiclesPerMin", "pedestriansPerMin", "alert"];
const RADIUS = 1500;

type Reading = { leaf: number; device: string; observedAt: string; location: [number, number]; values: Record<string, number | string | boolean>; signature: string };

/** A use case's answer as the route would send it: status and JSON body (errors mapped as the routes map them). */
async function respond(fn: () => Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string; message: string } } }> {
  const res = await handle(async () => Response.json(await fn()))();
  return { status: res.status, body: await res.json() };
}

/** Every `values` object anywhere in a JSON value. */
function valuesObjects(v: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      if (k === "values" && x && typeof x === "object" && !Array.isArray(x)) out.push(x as Record<string, unknown>);
      valuesObjects(x, out);
    }
  }
  return out;
}

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("provenance and sources under grants on %s", (_n, target) => {
  let fx: AccessFixture;
  let trust: Trust & { quorum: number };
  const readings: Reading[] = [];
  let cameras: Device[] = [];
  let area: { center: [number, number]; radiusM: number };
  const v: Record<string, Viewer> = {};
  const guest: Viewer = { kind: "guest" };
  const isCam = (r: Reading) => r.values.vehiclesPerMin !== undefined;
  const cam = (pred: (r: Reading) => boolean) => readings.find((r) => isCam(r) && pred(r))!;
  const camIn = (r: Reading) => withinArea(r.location, area);

  beforeAll(async () => {
    fx = await openAccessFixture(target);
    const db = fx.db;
    const city = generateCity({ seed: "access-it", size: 0.2 });
    const all = city.devices.filter((d) => d.kind === "camera");
    area = { center: all[0].location, radiusM: RADIUS };
    const inside = all.filter((d) => withinArea(d.location, area)).slice(0, 3);
    const outside = all.filter((d) => !withinArea(d.location, area)).slice(0, 3);
    expect(inside.length).toBeGreaterThanOrEqual(2);
    expect(outside.length).toBe(3);
    cameras = [...inside, ...outside];
    const meters = city.devices.filter((d) => d.kind === "feeder-meter").slice(0, 2);
    const sensors = city.devices.filter((d) => d.kind === "traffic-sensor").slice(0, 1);
    const devices = [...cameras, ...meters, ...sensors];
    const signers = new Map(devices.map((d, i) => [d.id, signerFromSeed(new Uint8Array(32).fill(i + 1))]));
    await registerDeviceKeys(db.sql, devices.map((d) => ({ device: d.id, publicKey: signers.get(d.id)!.publicKey })), new Date(T0 - 60 * MIN));

    const accepted: AcceptedReading[] = [];
    let seq = 1;
    const add = (d: Device, minute: number, values: Record<string, number | string | boolean>) => {
      const envelope = { device: d.id, dataset: d.datasetId, seq: seq++, observedAt: at(minute), location: d.location, values };
      const bytes = canonicalJsonBytes(envelope);
      accepted.push({ ...envelope, payloadHash: nodeSha256(bytes), signature: signers.get(d.id)!.sign(bytes) });
    };
    cameras.forEach((d, i) => {
      for (const m of [0, 10, 20]) add(d, m + i * 0.1, { online: true, vehiclesPerMin: 31 + i, pedestriansPerMin: 7 + m, alert: "none" });
    });
    meters.forEach((d, i) => add(d, 5, { meter: "feeder", loadMw: 12.3456 + i, utilisation: 0.5123, voltageKv: 10.371 }));
    sensors.forEach((d) => add(d, 5, { segmentId: (d as { segmentId: string }).segmentId, speedKmh: 42.5, flowVehH: 900, occupancy: 0.25 }));
    await storeReadings(db.sql, accepted);
    const rows = await db.sql.query<{ leaf_index: number; device_id: string; observed_at: Date; lon: number; lat: number; payload: Record<string, number | string | boolean>; signature: Uint8Array }>(
      `SELECT leaf_index, device_id, observed_at, lon, lat, payload, signature FROM reading ORDER BY leaf_index`,
    );
    for (const r of rows) {
      readings.push({ leaf: Number(r.leaf_index), device: r.device_id, observedAt: new Date(r.observed_at).toISOString(), location: [r.lon, r.lat], values: r.payload, signature: Buffer.from(r.signature).toString("base64") });
    }

    for (const [dept, role] of [["emergency", "official"], ["traffic", "official"], ["citizen", "official"], ["energy", "official"], ["safety", "official"], ["safety", "dept_admin"], ["safety", "sysadmin"], ["traffic", "sysadmin"], ["traffic", "dept_admin"], ["emergency", "auditor"]] as const) {
      v[`${role}@${dept}`] = await fx.viewer(dept, role);
    }
    const admin = (d: string) => fx.viewer(d, "dept_admin");
    const grant = async (to: string, dataset: string, scope: "raw" | "anonymized" | "aggregated", extra: { fields?: string[]; dataUntil?: string } = {}) => {
      const { grant: g } = await requestGrant({ viewer: await admin(to), request: { datasetId: dataset, scope, purpose: `provenance test ${scope}`, validUntil: new Date(Date.now() + 6 * 60 * MIN).toISOString(), ...extra } });
      await approveGrant({ viewer: await admin(dataset === "energy.load" ? "energy" : "safety"), grantId: g.id });
    };
    await grant("emergency", "safety.cameras", "raw");
    await grant("traffic", "safety.cameras", "raw", { fields: ["vehiclesPerMin", "alert"] });
    await grant("citizen", "safety.cameras", "raw", { dataUntil: at(15) });
    await grant("traffic", "energy.load", "anonymized");
    await grant("emergency", "energy.load", "aggregated", { fields: ["loadMw"] });
    // A raw grant that lists every field of the dataset (not "all fields" by leaving the list out).
    await grant("safety", "energy.load", "raw", { fields: Object.keys(DATASETS.find((d) => d.id === "energy.load")!.schema.fields) });
    // An area grant as the emergency linkage rules make them (requests carry no area).
    await db.sql.query(
      `INSERT INTO data_grant (id, dataset_id, owner_department_id, grantee_department_id, scope, fields, purpose, area_lon, area_lat, area_radius_m,
                               valid_from, valid_until, status, requested_terms, requested_by, created_at, updated_at)
       VALUES ('grt_area_test', 'safety.cameras', 'safety', 'energy', 'raw', NULL, 'area test', $1, $2, $3, now() - interval '1 hour', now() + interval '6 hours', 'active', '{}', 'test', now(), now())`,
      [area.center[0], area.center[1], RADIUS],
    );

    const ed = webCryptoEd25519();
    const log = await generateNoteKey(ed, ORIGIN, SIG_TYPE_ED25519);
    const wk = await generateNoteKey(ed, "it/witness/safety", SIG_TYPE_COSIGNATURE_V1);
    const w = await inProcessWitness({ sql: db.sql, department: "safety", signerKey: wk.signerKey, verifierKey: wk.verifierKey, log: { origin: ORIGIN, verifierKey: log.verifierKey } });
    setLogInfo({ origin: ORIGIN, logVerifierKey: log.verifierKey, witnesses: [{ department: "safety", name: w.name, verifierKey: wk.verifierKey }], quorum: 1 });
    trust = { origin: ORIGIN, logVerifierKey: log.verifierKey, witnessVerifierKeys: [wk.verifierKey], quorum: 1 };
    const publisher = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: log.signerKey, witnesses: [w], intervalMs: 1000 });
    await publisher.round();
  }, 180_000);
  afterAll(async () => {
    await fx?.close();
  });

  /** The trail as the route sends it; a 200 must match the typed API (lib/api/specs.ts). */
  const trail = async (viewer: Viewer, leaf: number) => {
    const res = await respond(() => getReadingTrail({ viewer, leafIndex: leaf }));
    if (res.status === 200) ProvenanceTrailSchema.parse(res.body);
    return res;
  };
  const download = (viewer: Viewer, leaf: number, as: "datum" | "receipt" | "prov") =>
    handle(async () => {
      const f = await downloadProvenance({ viewer, leafIndex: leaf, as });
      return new Response(f.body, { headers: { "content-type": f.contentType } });
    })();
  const deps = { hasher: nodeSha256, ed25519: nodeEd25519 };

  it("raw with every field: the whole trail, and a datum that verifies", async () => {
    const r = cam(() => true);
    const { status, body } = await trail(v["official@emergency"], r.leaf);
    expect(status).toBe(200);
    const t = body as unknown as ReadingTrail;
    expect(t.disclosure).toMatchObject({ level: "full", scope: "raw", withheldFields: [], reason: null, refused: {} });
    expect(t.datum!.reading.envelope).toEqual({ device: r.device, dataset: "safety.cameras", seq: expect.any(Number), observedAt: r.observedAt, location: r.location, values: r.values });
    expect(t.partialDatum).toBeNull();
    expect(t.device!.id).toBe(r.device);
    const verified = await verifyDatum(t.datum, { ...deps, trust });
    expect(verified.checks.filter((c) => !c.ok)).toEqual([]);
    const file = await download(v["official@emergency"], r.leaf, "datum");
    expect(file.status).toBe(200);
    expect((await verifyDatum(await file.json(), { ...deps, trust })).ok).toBe(true);
    const prov = await download(v["official@emergency"], r.leaf, "prov");
    expect(prov.status).toBe(200);
    expect(JSON.stringify(await prov.json())).toContain(JSON.stringify(JSON.stringify(r.values)).slice(1, -1));
  });

  it("raw with a field list naming every field: the reading's whole values (it answered 500 once the payload was stored as json)", async () => {
    const r = readings.find((x) => x.values.meter !== undefined)!;
    const { status, body } = await trail(v["official@safety"], r.leaf);
    expect(status).toBe(200);
    const t = body as unknown as ReadingTrail;
    expect(t.disclosure).toMatchObject({ scope: "raw", withheldFields: [] });
    const values = t.datum?.reading.envelope.values ?? t.partialDatum!.reading.envelope.values;
    expect(values).toEqual(r.values);
  });

  it("raw with some fields: only the granted fields, the others named; no datum (the signature covers every field); receipt and PROV allowed", async () => {
    const r = cam(() => true);
    const viewer = v["official@traffic"];
    const { status, body } = await trail(viewer, r.leaf);
    expect(status).toBe(200);
    const t = body as unknown as ReadingTrail;
    expect(t.disclosure).toMatchObject({ level: "fields", scope: "raw", withheldFields: ["online", "pedestriansPerMin"] });
    expect(t.datum).toBeNull();
    expect(t.partialDatum!.reading.envelope.values).toEqual({ vehiclesPerMin: r.values.vehiclesPerMin, alert: r.values.alert });
    for (const vals of valuesObjects(body)) expect(Object.keys(vals).every((k) => ["vehiclesPerMin", "alert"].includes(k))).toBe(true);
    expect(JSON.stringify(body)).not.toContain(`"pedestriansPerMin":`);
    expect(JSON.stringify(body)).not.toContain(`"online":`);
    // The browser's check: the rest verifies, the two signature checks are withheld, not failed.
    const checked = await verifyDatum(t.partialDatum, { ...deps, trust, withheld: { scope: "raw", fields: t.disclosure.withheldFields } });
    expect(checked.ok).toBe(true);
    expect(checked.checks.filter((c) => c.withheld).map((c) => c.id)).toEqual(["envelope-hash", "device-signature"]);

    const datum = await download(viewer, r.leaf, "datum");
    expect(datum.status).toBe(403);
    expect((await datum.json()).error.message).toMatch(/signature covers every field.*withholds online, pedestriansPerMin/);
    const receipt = await download(viewer, r.leaf, "receipt");
    expect(receipt.status).toBe(200);
    expect(parseProofBundle(await receipt.text()).index).toBe(r.leaf);
    const prov = await download(viewer, r.leaf, "prov");
    expect(prov.status).toBe(200);
    const doc = JSON.stringify(await prov.json());
    expect(doc).not.toContain("pedestriansPerMin\\\":");
    expect(doc).toContain(`"cb:withheldFields":"online,pedestriansPerMin"`);
  });

  it("raw with an ended data window: readings after it are refused by name; sources stop at its end", async () => {
    const viewer = v["official@citizen"];
    const before = cam((r) => r.observedAt < at(15));
    const after = cam((r) => r.observedAt >= at(15));
    expect((await trail(viewer, before.leaf)).status).toBe(200);
    const refused = await trail(viewer, after.leaf);
    expect(refused.status).toBe(403);
    expect(refused.body.error!.message).toMatch(/observed outside the data window of grant grt_\w+, which covers data observed from any time until /);
    for (const as of ["datum", "receipt", "prov"] as const) expect((await download(viewer, after.leaf, as)).status).toBe(403);

    const s = await respond(() => listSources({ viewer, dataset: "safety.cameras", from: at(-60), to: at(60), field: "vehiclesPerMin", limit: 1000 }));
    expect(s.status).toBe(200);
    const sources = s.body.sources as { observedAt: string; value: unknown }[];
    const want = readings.filter((r) => isCam(r) && r.observedAt < at(15));
    expect(s.body.total).toBe(want.length);
    expect(sources.map((x) => x.observedAt).sort()).toEqual(want.map((r) => r.observedAt).sort());
    expect(s.body.window).toEqual({ from: at(-60), to: at(15) });
    const none = await respond(() => listSources({ viewer, dataset: "safety.cameras", from: at(16), to: at(60), limit: 10 }));
    expect(none.body).toMatchObject({ total: 0, sources: [], window: null });
  });

  it("raw within an area: readings outside it are refused by name; sources list only what lies inside", async () => {
    const viewer = v["official@energy"];
    const inside = cam(camIn);
    const outside = cam((r) => !camIn(r));
    const ok = await trail(viewer, inside.leaf);
    expect(ok.status).toBe(200);
    expect((ok.body as unknown as ReadingTrail).datum!.reading.envelope.location).toEqual(inside.location);
    const refused = await trail(viewer, outside.leaf);
    expect(refused.status).toBe(403);
    expect(refused.body.error!.message).toMatch(new RegExp(`lies outside the area of grant grt_area_test, which covers readings within ${RADIUS} m of `));

    const s = await respond(() => listSources({ viewer, dataset: "safety.cameras", from: at(-60), to: at(60), limit: 1000 }));
    const want = readings.filter((r) => isCam(r) && camIn(r));
    expect(s.body.total).toBe(want.length);
    expect((s.body.sources as { leafIndex: number }[]).map((x) => x.leafIndex).sort()).toEqual(want.map((r) => r.leaf).sort());
    // Asking for a box around an outside camera finds nothing: the area is applied in SQL.
    const [lon, lat] = outside.location;
    const boxed = await respond(() => listSources({ viewer, dataset: "safety.cameras", from: at(-60), to: at(60), bbox: [lon - 1e-4, lat - 1e-4, lon + 1e-4, lat + 1e-4], limit: 10 }));
    expect(boxed.body).toMatchObject({ total: 0, sources: [] });
  });

  for (const [scope, who] of [["anonymized", "official@traffic"], ["aggregated", "official@emergency"]] as const) {
    it(`${scope}: only the ledger facts, which verify; device, location, exact time, values, signature and entry withheld; datum and PROV refused`, async () => {
      const viewer = v[who];
      const r = readings.find((x) => x.values.meter === "feeder")!;
      const { status, body } = await trail(viewer, r.leaf);
      expect(status).toBe(200);
      const t = body as unknown as ReadingTrail;
      expect(t.disclosure).toMatchObject({ level: "ledger", scope, withheld: ["payload", "device", "location", "exactTime", "signature", "entry"] });
      expect(t.disclosure.reason).toContain(`${scope} scope under grant grt_`);
      expect(t).toMatchObject({ device: null, datum: null, partialDatum: null, readingId: null });
      const text = JSON.stringify(body);
      for (const secret of [r.device, r.observedAt, String(r.location[0]), String(r.location[1]), r.signature, `"loadMw":`, "voltageKv", String(r.values.loadMw), "payloadHash"]) {
        expect(text, `response holds ${secret}`).not.toContain(secret);
      }
      expect(valuesObjects(body)).toEqual([]);
      const step = scope === "anonymized" ? 5 * MIN : 15 * MIN;
      const bucket = Math.floor(Date.parse(r.observedAt) / step) * step;
      expect(t.timeline).toEqual({ observedAt: null, observedWithin: { from: new Date(bucket).toISOString(), until: new Date(bucket + step).toISOString() }, receivedAt: null, integratedAt: null, quorumAt: null, firstCheckpointSize: null });
      const checked = await verifyLedgerProof(t.ledgerProof!, scope, { ...deps, trust });
      expect(checked.ok).toBe(true);
      expect(checked.checks.filter((c) => c.ok).map((c) => c.id)).toEqual(expect.arrayContaining(["checkpoint-signature", "ledger-inclusion", "witness-cosignatures"]));

      for (const as of ["datum", "prov"] as const) {
        const res = await download(viewer, r.leaf, as);
        expect(res.status).toBe(403);
        expect((await res.json()).error.message).toContain(`under ${scope} grant grt_`);
      }
      const receipt = await download(viewer, r.leaf, "receipt");
      expect(receipt.status).toBe(200);
      const bundle = await receipt.text();
      expect(bundle).not.toContain(r.device);
      expect(parseProofBundle(bundle)).toMatchObject({ index: r.leaf });

      const s = await respond(() => listSources({ viewer, dataset: "energy.load", from: at(-60), to: at(60), field: "loadMw", limit: 10 }));
      expect(s.status).toBe(403);
      expect(s.body.error!.message).toContain(`holds ${scope} access to energy.load`);
      expect(s.body.error!.message).toContain("/api/datasets/energy.load/readings");
    });
  }

  it("readers: names for the owner's admins and auditors, a count for everyone else", async () => {
    const r = cam(camIn);
    await trail(v["official@emergency"], r.leaf); // at least one recorded read
    const names = (await trail(v["dept_admin@safety"], r.leaf)).body.readers as { count: number; names: { user: string; department: string; basis: string }[] | null };
    expect(names.count).toBeGreaterThan(0);
    expect(names.names!.some((x) => x.user === (v["official@emergency"] as { userId: string }).userId && x.department === "emergency" && /^grant grt_/.test(x.basis))).toBe(true);
    for (const who of ["auditor@emergency", "sysadmin@safety"]) expect(((await trail(v[who], r.leaf)).body.readers as { names: unknown[] | null }).names).not.toBeNull();
    for (const who of ["official@safety", "official@emergency", "sysadmin@traffic", "dept_admin@traffic"]) {
      const res = await trail(v[who], r.leaf);
      expect(res.status, who).toBe(200);
      expect(res.body.readers, who).toEqual({ count: expect.any(Number), names: null });
    }
    const guestTrail = await trail(guest, readings.find((x) => x.values.speedKmh !== undefined)!.leaf);
    expect(guestTrail.status).toBe(200);
    expect(guestTrail.body.readers).toEqual({ count: expect.any(Number), names: null });
    expect(JSON.stringify(guestTrail.body)).not.toContain((v["official@emergency"] as { userId: string }).userId);
  });

  it("sources under a field-limited grant: a granted field lists only its values; another field is refused by name; an unknown one is a 400", async () => {
    const viewer = v["official@traffic"];
    const ok = await respond(() => listSources({ viewer, dataset: "safety.cameras", from: at(-60), to: at(60), field: "vehiclesPerMin", limit: 1000 }));
    expect(ok.status).toBe(200);
    expect(ok.body.total).toBe(readings.filter(isCam).length);
    for (const s of ok.body.sources as { leafIndex: number; value: unknown }[]) expect(s.value).toBe(readings.find((r) => r.leaf === s.leafIndex)!.values.vehiclesPerMin);
    const refused = await respond(() => listSources({ viewer, dataset: "safety.cameras", from: at(-60), to: at(60), field: "pedestriansPerMin", limit: 10 }));
    expect(refused.status).toBe(403);
    expect(refused.body.error!.message).toMatch(/^Field pedestriansPerMin is not among the fields grant grt_\w+ covers \(vehiclesPerMin, alert\)\.$/);
    const unknown = await respond(() => listSources({ viewer, dataset: "safety.cameras", from: at(-60), to: at(60), field: "constructor", limit: 10 }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error!.message).toContain(`has no field constructor (its fields: ${CAMERA_FIELDS.join(", ")})`);
  });

  it("records what was returned: one reading for a raw trail, none for ledger facts only", async () => {
    const r = readings.find((x) => x.values.meter === "feeder")!;
    await trail(v["official@traffic"], r.leaf);
    const [e] = await fx.db.sql.query<{ action: string; record_count: number; scope: string }>(
      `SELECT action, record_count, scope FROM access_event WHERE user_id = $1 AND dataset_id = 'energy.load' ORDER BY id DESC LIMIT 1`,
      [(v["official@traffic"] as { userId: string }).userId],
    );
    expect(e).toEqual({ action: "provenance", record_count: 0, scope: "anonymized" });
    const c = cam(() => true);
    await trail(v["official@emergency"], c.leaf);
    const [f] = await fx.db.sql.query<{ action: string; record_count: number; range_from: Date }>(
      `SELECT action, record_count, range_from FROM access_event WHERE user_id = $1 AND dataset_id = 'safety.cameras' ORDER BY id DESC LIMIT 1`,
      [(v["official@emergency"] as { userId: string }).userId],
    );
    expect({ ...f, range_from: new Date(f.range_from).toISOString() }).toEqual({ action: "provenance", record_count: 1, range_from: c.observedAt });
  });

  it("the entry viewer's API gives strangers and guests a restricted reading's commitment hash alone, and opens it for a raw grant that covers the reading", async () => {
    const inside = cam(camIn);
    const outside = cam((r) => !camIn(r));
    const late = cam((r) => r.observedAt >= at(15));
    const entry = (viewer: Viewer, leaf: number) => respond(() => getLedgerEntry({ viewer, leaf }));
    const req = (path: string) => new Request(`http://127.0.0.1:3000${path}`, { headers: { host: "127.0.0.1:3000" } });
    const guestEntry = async (leaf: number) => {
      const res = await entryRoute.GET(req(`/api/ledger/entries/${leaf}`), { params: Promise.resolve({ leaf: String(leaf) }) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    // SHA-256(salt || inner entry); the inner entry is not stored, it is the one the reading row makes.
    const opening = (await readLeafEntry(fx.db.sql, inside.leaf))!;
    const commitment = crypto.createHash("sha256").update(opening.salt!).update(opening.inner!).digest("hex");

    /** The answer holds the commitment and nothing of the reading: no device, time, signature, payload hash, dataset, field or value. */
    const expectSealed = (who: string, r: Reading, res: { status: number; body: Record<string, unknown> }) => {
      expect(res.status, who).toBe(200);
      expect(res.body, who).toMatchObject({ leafIndex: r.leaf, kind: "commitment.v1", ref: null, entry: { kind: "commitment.v1", commitment: expect.stringMatching(/^[0-9a-f]{64}$/) } });
      expect(Object.keys(res.body.entry as object).sort(), who).toEqual(["commitment", "kind"]);
      expect(res.body.opened, who).toBeUndefined();
      expect(res.body.text, who).toBe(JSON.stringify(res.body.entry));
      const text = JSON.stringify(res.body);
      const secrets = [r.device, r.observedAt, r.signature, "safety.cameras", "payloadHash", "reading.v1", String(r.location[0]), ...Object.keys(r.values).map((k) => `"${k}"`)];
      for (const secret of secrets) expect(text, `${who}: response holds ${secret}`).not.toContain(secret);
    };
    expectSealed("guest", inside, await guestEntry(inside.leaf));
    expect(((await guestEntry(inside.leaf)).body.entry as { commitment: string }).commitment).toBe(commitment);
    // Signed in, without a grant that covers the reading: its area, its data window.
    expectSealed("official@energy (area grant, reading outside)", outside, await entry(v["official@energy"], outside.leaf));
    expectSealed("official@citizen (window grant, reading after it)", late, await entry(v["official@citizen"], late.leaf));

    // A raw grant that covers the reading opens it; the values are on its provenance page, which the opened entry links to.
    for (const [who, r] of [["official@emergency", inside], ["official@energy", inside], ["official@traffic", inside], ["official@safety", inside], ["auditor@emergency", inside]] as const) {
      const res = await entry(v[who], r.leaf);
      expect(res.status, who).toBe(200);
      expect(res.body.opened, who).toMatchObject({ salt: expect.stringMatching(/^[0-9a-f]{64}$/), entry: { kind: "reading.v1", dataset: "safety.cameras", device: r.device, observedAt: r.observedAt, signature: r.signature } });
      expect(res.body.entry, who).toEqual({ kind: "commitment.v1", commitment });
    }
    // The ledger search shows each viewer the same as the entry viewer: opened for the grantee, sealed for the stranger.
    const searched = async (who: string, leaf: number) => (await searchEntries({ viewer: v[who], before: leaf + 1, limit: 1 })).entries[0];
    expect((await searched("official@emergency", inside.leaf)).opened).toMatchObject({ entry: { kind: "reading.v1", device: inside.device } });
    expect((await searched("official@emergency", inside.leaf)).ref).not.toBeNull();
    expect((await searched("official@energy", outside.leaf)).opened).toBeUndefined();
    expect((await searched("official@energy", outside.leaf)).ref).toBeNull();
    expect((await searched("official@citizen", late.leaf)).opened).toBeUndefined();
    const values = ((await trail(v["official@emergency"], inside.leaf)).body as unknown as ReadingTrail).datum!.reading.envelope.values;
    expect(values).toEqual(inside.values);

    // A restricted dataset nobody holds a grant on: an incident report, sealed for every other department and for guests.
    const terminal = generateCity({ seed: "access-it", size: 0.2 }).devices.find((d) => d.datasetId === "safety.incidents")!;
    const incident = { incidentId: "INC-IT-7731", type: "collision", severity: 2, status: "active", startedAt: at(3), endedAt: at(63), segmentId: "seg-it-1", lanesBlocked: 1 };
    await fx.addReadings("safety.incidents", [{ device: terminal.id, at: new Date(at(3)), location: terminal.location, values: incident }]);
    const [row] = await fx.db.sql.query<{ leaf_index: number; signature: Uint8Array }>(`SELECT leaf_index, signature FROM reading WHERE device_id = $1 ORDER BY leaf_index DESC LIMIT 1`, [terminal.id]);
    const leaf = Number(row.leaf_index);
    const r: Reading = { leaf, device: terminal.id, observedAt: at(3), location: terminal.location, values: incident, signature: Buffer.from(row.signature).toString("base64") };
    const sealed = (who: string, res: { status: number; body: Record<string, unknown> }) => {
      expectSealed(who, r, res);
      for (const secret of ["safety.incidents", "INC-IT-7731", "collision", "seg-it-1"]) expect(JSON.stringify(res.body), `${who}: response holds ${secret}`).not.toContain(secret);
    };
    sealed("guest", await guestEntry(leaf));
    for (const who of ["official@traffic", "official@emergency", "sysadmin@traffic"]) sealed(who, await entry(v[who], leaf));
    expect((await entry(v["official@safety"], leaf)).body.opened).toMatchObject({ entry: { kind: "reading.v1", dataset: "safety.incidents", device: terminal.id } });
  });

  it("the routes: a guest reads a public reading's trail and receipt; a restricted one is a 403; bad input is a 400", async () => {
    const pub = readings.find((x) => x.values.speedKmh !== undefined)!;
    const req = (path: string) => new Request(`http://127.0.0.1:3000${path}`, { headers: { host: "127.0.0.1:3000" } });
    const params = (leaf: number | string) => ({ params: Promise.resolve({ leaf: String(leaf) }) });
    const ok = await trailRoute.GET(req(`/api/provenance/reading/${pub.leaf}`), params(pub.leaf));
    expect(ok.status).toBe(200);
    expect((await ok.json()).disclosure.level).toBe("full");
    expect((await downloadRoute.GET(req(`/api/provenance/reading/${pub.leaf}/download?as=receipt`), params(pub.leaf))).status).toBe(200);
    const restricted = cam(() => true);
    expect((await trailRoute.GET(req(`/api/provenance/reading/${restricted.leaf}`), params(restricted.leaf))).status).toBe(403);
    expect((await downloadRoute.GET(req(`/api/provenance/reading/${pub.leaf}/download?as=everything`), params(pub.leaf))).status).toBe(400);
    const q = `dataset=traffic.flow&from=${encodeURIComponent(at(-60))}&to=${encodeURIComponent(at(60))}&field=speedKmh`;
    const s = await sourcesRoute.GET(req(`/api/provenance/sources?${q}`));
    expect(s.status).toBe(200);
    expect(await s.json()).toMatchObject({ total: 1, sources: [{ leafIndex: pub.leaf, value: 42.5 }] });
    expect((await sourcesRoute.GET(req(`/api/provenance/sources?dataset=safety.cameras&from=${encodeURIComponent(at(-60))}&to=${encodeURIComponent(at(60))}`))).status).toBe(403);
  });
});
