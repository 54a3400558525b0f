// What the public ledger tells strangers (issue 13): readings and grant changes of restricted
// datasets, and the grants a linkage rule makes around an incident, are on the public log as
// salted commitments only. A guest's entry search, entry bundles and hash tiles hold none of
// their clear values (searched for in the response bytes); the owner and auditors open them
// with the stored salt; the audit opens every one and names a changed salt or clear value;
// the owner's datum (carrying the opening) verifies as the browser verifies it.
import { readLeafEntriesAt } from "./leaf-entries";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { openAccessFixture, type AccessFixture } from "../access/testing/access-fixture";
import type { Viewer } from "../access/viewer";
import { generateCity } from "../city";
import type { Device } from "../city/types";
import { registerDeviceKeys } from "../devices/register-devices";
import { storeReadings, type AcceptedReading } from "../ingest/store-readings";
import { signerFromSeed } from "../sim/simulator-keys";
import { canonicalJson, canonicalJsonBytes } from "../ledger/canonical-json";
import { nodeEd25519, nodeSha256 } from "../ledger/node-crypto";
import { webCryptoEd25519 } from "../ledger/ed25519";
import { generateNoteKey, SIG_TYPE_ED25519 } from "../ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../ledger/cosignature";
import { entryBundlePath, tilePath } from "../ledger/tile-path";
import { decodeEntry } from "../ledger/entries";
import { openCommitmentText } from "../ledger/commitment";
import { createRule } from "../rules/manage-rules";
import { runRules } from "../rules/run-rules";
import { handle } from "../http/respond";
import { getReadingTrail, type ReadingTrail } from "../provenance/get-reading-trail";
import { downloadProvenance } from "../provenance/download-provenance";
import { verifyDatum } from "../provenance/verify-datum";
import type { Trust } from "../provenance/datum";
import { createLogPublisher } from "./log-service";
import { inProcessWitness } from "./witnesses";
import { setLogInfo } from "./log-info";
import { searchEntries } from "./search-entries";
import { getLogResource } from "./get-log-resource";
import { auditLedger, type AuditOptions, type Discrepancy } from "./audit";

const targets = await testTargets();
const ORIGIN = "it.city-brain.example/commitments";
const MIN = 60_000;
const T0 = Math.floor((Date.now() - 2 * 60 * MIN) / MIN) * MIN + 17_321;
const at = (m: number) => new Date(T0 + m * MIN).toISOString();
// Where the severity-1 incident happened: coordinates no generated device has.
const INCIDENT_AT: [number, number] = [121.437913, 37.481627];

async function respond(fn: () => Promise<unknown>): Promise<{ status: number; text: string }> {
  const res = await handle(async () => Response.json(await fn()))();
  return { status: res.status, text: await res.text() };
}

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("salted commitments on the public log on %s", (_n, target) => {
  let fx: AccessFixture;
  let trust: Trust & { quorum: number };
  let auditOpts: AuditOptions;
  let stateDir: string;
  let publisher: { round(): Promise<number> };
  let incidentDevice: Device;
  let camera: Device;
  let sensor: Device;
  const leaves: { incident: number[]; camera: number[]; sensor: number[]; grants: number[] } = { incident: [], camera: [], sensor: [], grants: [] };
  /** Every clear value of the restricted readings and the rule-made grants that must not reach a stranger. */
  const secrets: string[] = [];
  const guest: Viewer = { kind: "guest" };
  const v: Record<string, Viewer> = {};

  beforeAll(async () => {
    fx = await openAccessFixture(target);
    const db = fx.db;
    const city = generateCity({ seed: "access-it", size: 0.2 });
    incidentDevice = city.devices.find((d) => d.datasetId === "safety.incidents")!;
    camera = city.devices.find((d) => d.datasetId === "safety.cameras")!;
    sensor = city.devices.find((d) => d.datasetId === "traffic.flow")!;
    const devices = [incidentDevice, camera, sensor];
    const signers = new Map(devices.map((d, i) => [d.id, signerFromSeed(new Uint8Array(32).fill(40 + i))]));
    await registerDeviceKeys(db.sql, devices.map((d) => ({ device: d.id, publicKey: signers.get(d.id)!.publicKey })), new Date(T0 - 60 * MIN));
    for (const [dept, role] of [["safety", "official"], ["traffic", "official"], ["emergency", "official"], ["emergency", "auditor"]] as const) v[`${role}@${dept}`] = await fx.viewer(dept, role);

    const ed = webCryptoEd25519();
    const log = await generateNoteKey(ed, ORIGIN, SIG_TYPE_ED25519);
    const wk = await generateNoteKey(ed, "it/witness/safety", SIG_TYPE_COSIGNATURE_V1);
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-commitments-"));
    const w = await inProcessWitness({ sql: db.sql, department: "safety", signerKey: wk.signerKey, verifierKey: wk.verifierKey, log: { origin: ORIGIN, verifierKey: log.verifierKey }, stateDir });
    setLogInfo({ origin: ORIGIN, logVerifierKey: log.verifierKey, witnesses: [{ department: "safety", name: w.name, verifierKey: wk.verifierKey }], quorum: 1 });
    trust = { origin: ORIGIN, logVerifierKey: log.verifierKey, witnessVerifierKeys: [wk.verifierKey], quorum: 1 };
    auditOpts = { logVerifierKey: log.verifierKey, witnessVerifierKeys: [wk.verifierKey], quorum: 1, witnessStateDir: stateDir };
    publisher = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: log.signerKey, witnesses: [w], intervalMs: 1000 });

    // The rule engine's cursor is placed before the incident, and a rule grants the
    // emergency bureau raw energy (internal) and camera (confidential) data around it.
    await runRules(db.sql);
    await createRule({
      viewer: await fx.viewer("emergency", "sysadmin"),
      definition: { name: "sev-1", trigger: { maxSeverity: 1 }, grant: { granteeDepartmentId: "emergency", datasets: ["energy.load", "safety.cameras"], scope: "raw", radiusM: 2000, durationSeconds: 3600 } },
    });

    const accepted: AcceptedReading[] = [];
    let seq = 1;
    const add = (d: Device, minute: number, values: Record<string, number | string | boolean>, location: [number, number] = d.location) => {
      const envelope = { device: d.id, dataset: d.datasetId, seq: seq++, observedAt: at(minute), location, values };
      const bytes = canonicalJsonBytes(envelope);
      accepted.push({ ...envelope, payloadHash: nodeSha256(bytes), signature: signers.get(d.id)!.sign(bytes) });
    };
    add(incidentDevice, 1, { incidentId: "inc-SECRET-77", type: "fire", severity: 1, status: "reported", startedAt: at(1), endedAt: at(61), segmentId: "seg-secret", lanesBlocked: 2 }, INCIDENT_AT);
    add(incidentDevice, 2, { incidentId: "inc-SECRET-77", type: "fire", severity: 1, status: "responding", startedAt: at(1), endedAt: at(61), segmentId: "seg-secret", lanesBlocked: 2 }, INCIDENT_AT);
    add(camera, 3, { online: true, vehiclesPerMin: 12, pedestriansPerMin: 3, alert: "fire" });
    add(sensor, 4, { segmentId: (sensor as { segmentId: string }).segmentId, speedKmh: 42.5, flowVehH: 900, occupancy: 0.25 });
    await storeReadings(db.sql, accepted);
    const made = await runRules(db.sql);
    expect(made.map((m) => m.datasetId).sort()).toEqual(["energy.load", "safety.cameras"]);

    // The payload hash is derived from the row (not stored since 20261207050000): the intake's, by device and seq.
    const hashes = new Map(accepted.map((a) => [`${a.device}:${a.seq}`, a.payloadHash]));
    const rows = (await db.sql.query<{ leaf_index: number; device_id: string; seq: number; signature: Uint8Array; observed_at: Date }>(
      `SELECT leaf_index, device_id, seq, signature, observed_at FROM reading ORDER BY leaf_index`,
    )).map((r) => ({ ...r, payload_hash: hashes.get(`${r.device_id}:${Number(r.seq)}`)! }));
    for (const r of rows) {
      const leaf = Number(r.leaf_index);
      if (r.device_id === incidentDevice.id) leaves.incident.push(leaf);
      else if (r.device_id === camera.id) leaves.camera.push(leaf);
      else if (r.device_id === sensor.id) leaves.sensor.push(leaf);
      if (r.device_id !== sensor.id) {
        secrets.push(new Date(r.observed_at).toISOString(), Buffer.from(r.payload_hash).toString("hex"), Buffer.from(r.signature).toString("base64"));
      }
    }
    const grantRows = await db.sql.query<{ leaf_index: number; grant_id: string; at: Date }>(
      `SELECT e.leaf_index, e.grant_id, e.at FROM grant_event e JOIN data_grant g ON g.id = e.grant_id WHERE g.automatic ORDER BY e.leaf_index`,
    );
    leaves.grants = grantRows.map((g) => Number(g.leaf_index));
    for (const g of grantRows) secrets.push(g.grant_id, new Date(g.at).toISOString());
    secrets.push(incidentDevice.id, camera.id, "safety.incidents", "safety.cameras", "inc-SECRET-77", String(INCIDENT_AT[0]), String(INCIDENT_AT[1]), "121.4379", "37.4816");
    await publisher.round();
  }, 180_000);
  afterAll(async () => {
    await fx?.close();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const leaked = (text: string) => secrets.filter((s) => text.includes(s));

  it("appends commitment.v1 entries for restricted readings and rule-made grants, reading.v1 for public ones", async () => {
    expect(leaves.incident).toHaveLength(2);
    expect(leaves.grants).toHaveLength(2);
    const kinds = [...(await readLeafEntriesAt(fx.db.sql, [...leaves.incident, ...leaves.camera, ...leaves.grants, ...leaves.sensor])).values()].map((e) => ({ leaf_index: e.index, kind: e.kind, entry: e.entry! }));
    expect(kinds).toHaveLength(leaves.incident.length + leaves.camera.length + leaves.grants.length + leaves.sensor.length);
    for (const k of kinds) {
      const entry = decodeEntry(new Uint8Array(k.entry));
      expect(entry.kind, `leaf ${k.leaf_index}`).toBe(leaves.sensor.includes(Number(k.leaf_index)) ? "reading.v1" : "commitment.v1");
      expect(k.kind).toBe(entry.kind);
    }
    // Each has its opening: a grant's a ledger_commitment row, a sealed reading's its row's salt (seal_salt).
    const [{ n }] = await fx.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_commitment WHERE leaf_index = ANY($1::int8[])`, [leaves.grants]);
    expect(n).toBe(leaves.grants.length);
    const sealedReadings = [...leaves.incident, ...leaves.camera];
    const [{ salted }] = await fx.db.sql.query<{ salted: number }>(`SELECT count(*)::int AS salted FROM reading WHERE length(seal_salt) = 32 AND leaf_index = ANY($1::int8[])`, [sealedReadings]);
    expect(salted).toBe(sealedReadings.length);
    expect(await fx.db.sql.query(`SELECT leaf_index FROM ledger_commitment WHERE leaf_index = ANY($1::int8[])`, [sealedReadings])).toEqual([]);
  });

  it("a guest's entry search shows no incident location, time or device id, whatever it filters by", async () => {
    const searches = [
      { limit: 500 },
      { kind: "grant.v2", limit: 500 },
      { kind: "commitment.v1", limit: 500 },
      { kind: "reading.v1", limit: 500 },
      { dataset: "safety.incidents", limit: 500 },
      { device: incidentDevice.id, limit: 500 },
      { dataset: "safety.cameras", from: at(0), to: at(10), limit: 500 },
    ];
    for (const q of searches) {
      const res = await respond(() => searchEntries({ viewer: guest, ...q }));
      expect(res.status, JSON.stringify(q)).toBe(200);
      expect(leaked(res.text), JSON.stringify(q)).toEqual([]);
      expect(res.text).not.toContain('"opened"');
    }
    // Not vacuous: the search does list the commitments, and the public reading in clear.
    const all = JSON.parse((await respond(() => searchEntries({ viewer: guest, limit: 500 }))).text) as { entries: { leafIndex: number; kind: string; ref: string | null; entry: Record<string, unknown> }[] };
    const byLeaf = new Map(all.entries.map((e) => [e.leafIndex, e]));
    for (const l of [...leaves.incident, ...leaves.grants]) expect(byLeaf.get(l)).toMatchObject({ kind: "commitment.v1", ref: null, entry: { kind: "commitment.v1", commitment: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(byLeaf.get(leaves.sensor[0])).toMatchObject({ kind: "reading.v1", entry: { device: sensor.id } });
    // A signed-in official of another department sees the same.
    const traffic = await respond(() => searchEntries({ viewer: v["official@traffic"], limit: 500 }));
    expect(leaked(traffic.text)).toEqual([]);
  });

  it("the entry bundles and hash tiles hold no clear value either", async () => {
    const [{ size }] = await fx.db.sql.query<{ size: number }>(`SELECT integrated_size AS size FROM ledger_state`);
    const n = Number(size);
    expect(n).toBeGreaterThan(Math.max(...leaves.grants));
    let bytes = "";
    for (let i = 0; i * 256 < n; i++) {
      const width = Math.min(256, n - i * 256);
      for (const p of [entryBundlePath(i, width), tilePath({ level: 0, index: i, width })]) {
        const r = await getLogResource({ viewer: guest, path: p });
        bytes += Buffer.from(r.body as Uint8Array).toString("latin1");
      }
    }
    expect(bytes).toContain('"kind":"commitment.v1"');
    expect(leaked(bytes)).toEqual([]);
  });

  it("the owner, the grant's parties and auditors open the commitments; others do not", async () => {
    const opened = async (viewer: Viewer) => {
      const { entries } = await searchEntries({ viewer, limit: 500 });
      return new Map(entries.filter((e) => e.opened).map((e) => [e.leafIndex, e]));
    };
    const safety = await opened(v["official@safety"]);
    for (const l of leaves.incident) {
      const e = safety.get(l)!;
      expect(e.opened!.entry).toMatchObject({ kind: "reading.v1", device: incidentDevice.id, dataset: "safety.incidents" });
      // The opening verifies against the public entry, as anyone holding it can check.
      // (The entry committed to is the canonical JSON of `opened.entry`.)
      expect(openCommitmentText(nodeSha256, decodeEntry(canonicalJsonBytes(e.entry)), e.opened!.salt, canonicalJson(e.opened!.entry))).toEqual(e.opened!.entry);
      expect(e.ref).toMatch(/^reading:/);
    }
    const auditor = await opened(v["auditor@emergency"]);
    for (const l of [...leaves.incident, ...leaves.camera, ...leaves.grants]) expect(auditor.has(l), `leaf ${l}`).toBe(true);
    const area = auditor.get(leaves.grants[0])!.opened!.entry as { area: { lon: number; lat: number; radiusM: number }; automatic: boolean };
    expect(area).toMatchObject({ automatic: true, area: { radiusM: 2000 } });
    expect(area.area.lon).toBeCloseTo(INCIDENT_AT[0], 6);
    const emergency = await opened(v["official@emergency"]);
    expect(leaves.grants.every((l) => emergency.has(l))).toBe(true);
    expect(leaves.incident.some((l) => emergency.has(l))).toBe(false);
    const traffic = await opened(v["official@traffic"]);
    expect([...traffic.keys()].filter((l) => [...leaves.incident, ...leaves.camera, ...leaves.grants].includes(l))).toEqual([]);
  });

  it("the owner's datum carries the opening and verifies; a stranger's trail names nothing", async () => {
    const res = await respond(() => getReadingTrail({ viewer: v["official@safety"], leafIndex: leaves.incident[0] }));
    expect(res.status).toBe(200);
    const t = JSON.parse(res.text) as ReadingTrail;
    expect(t.datum!.ledger.opening).toBeDefined();
    // The device's key registration is sealed too (its device id is an identifier of the dataset).
    expect(decodeEntry(Buffer.from(t.datum!.device.registration.entry)).kind).toBe("commitment.v1");
    expect(t.datum!.device.registration.opening).toBeDefined();
    expect(decodeEntry(Buffer.from(t.datum!.ledger.entry)).kind).toBe("commitment.v1");
    const verified = await verifyDatum(t.datum, { hasher: nodeSha256, ed25519: nodeEd25519, trust });
    expect(verified.checks.filter((c) => !c.ok)).toEqual([]);
    expect(verified.checks.find((c) => c.id === "entry-matches-reading")!.detail).toMatch(/salted commitment/);
    const file = await downloadProvenance({ viewer: v["official@safety"], leafIndex: leaves.incident[0], as: "datum" });
    expect(JSON.parse(file.body).ledger.opening.salt).toBe(t.datum!.ledger.opening!.salt);
    // A changed salt, or a datum without its opening, does not verify.
    const badSalt = structuredClone(t.datum!);
    badSalt.ledger.opening!.salt = (badSalt.ledger.opening!.salt[0] === "0" ? "1" : "0") + badSalt.ledger.opening!.salt.slice(1);
    expect((await verifyDatum(badSalt, { hasher: nodeSha256, ed25519: nodeEd25519, trust })).checks.find((c) => c.id === "entry-matches-reading")).toMatchObject({ ok: false });
    const none = structuredClone(t.datum!);
    delete none.ledger.opening;
    expect((await verifyDatum(none, { hasher: nodeSha256, ed25519: nodeEd25519, trust })).ok).toBe(false);
    // A guest, and another department, get 403 without the dataset's name; a rule-made grant's leaf is no reading.
    for (const viewer of [guest, v["official@traffic"]]) {
      for (const leaf of [leaves.incident[0], leaves.grants[0]]) {
        const r = await respond(() => getReadingTrail({ viewer, leafIndex: leaf }));
        expect(r.status).toBe(403);
        expect(leaked(r.text)).toEqual([]);
      }
    }
  });

  it("the audit opens every commitment, and names a changed salt, clear value or reading row", async () => {
    const show = (ds: Discrepancy[]) => ds.map((d) => `${d.table} ${d.id} ${d.field ?? ""}: ${d.what}`).join("\n");
    const audit = () => auditLedger(fx.db.sql, { ...auditOpts, threads: 0 });
    const clean = await audit();
    expect(show(clean.discrepancies)).toBe("");
    expect(clean.readings).toBeGreaterThanOrEqual(4);
    const asOwner = (sql: string) => fx.db.sql.transaction((tx) => tx.exec(`SET LOCAL session_replication_role = replica; ${sql}`));
    const inc = leaves.incident[0];
    const grant = leaves.grants[0];
    const cases: [string, string, string, RegExp][] = [
      // A sealed reading's leaf is folded into its row (sealed_leaf_hash): its commitment entry,
      // rebuilt from the salt (the row's seal_salt) and the row, no longer hashes to it.
      ["salt", `UPDATE reading SET seal_salt = set_byte(seal_salt, 0, (get_byte(seal_salt, 0) + 1) % 256) WHERE leaf_index = ${inc}`, "reading", /^seal_salt.* the salt or the row changed/],
      // A sealed reading's opening stores no inner entry: its clear values are its reading row's.
      ["clear seq", `UPDATE reading SET seq = seq + 1 WHERE leaf_index = ${inc}`, "reading", /^seal_salt, reading row .*the row changed/],
      ["clear area", `UPDATE ledger_commitment SET entry = convert_to(replace(convert_from(entry, 'UTF8'), '"radiusM":2000', '"radiusM":2001'), 'UTF8') WHERE leaf_index = ${grant}`, "ledger_commitment", /does not open/],
      ["reading's salt deleted", `UPDATE reading SET seal_salt = NULL WHERE leaf_index = ${inc}`, "reading", /^seal_salt .*missing/],
      ["grant's opening deleted", `DELETE FROM ledger_commitment WHERE leaf_index = ${grant}`, "ledger_commitment", /opening .* is missing/],
      ["reading row", `UPDATE reading SET observed_at = observed_at + interval '1 second' WHERE leaf_index = ${inc}`, "reading", /^seal_salt, reading row .*the row changed/],
      ["grant row", `UPDATE data_grant SET area_lon = area_lon + 0.001 WHERE id = (SELECT grant_id FROM grant_event WHERE leaf_index = ${grant})`, "data_grant", /area/],
      ["stray opening", `INSERT INTO ledger_commitment (leaf_index, salt, entry) VALUES (${leaves.sensor[0]}, '\\x00', '\\x00')`, "ledger_commitment", /not a commitment/],
    ];
    for (const [name, change, table, what] of cases) {
      const snap = await fx.db.sql.query<{ j: unknown }>(`SELECT to_jsonb(t) AS j FROM ledger_commitment t`);
      const readingSnap = await fx.db.sql.query<{ j: unknown }>(`SELECT to_jsonb(t) AS j FROM reading t WHERE leaf_index = ${inc}`);
      const grantSnap = await fx.db.sql.query<{ j: unknown }>(`SELECT to_jsonb(t) AS j FROM data_grant t WHERE id = (SELECT grant_id FROM grant_event WHERE leaf_index = ${grant})`);
      await asOwner(change);
      const r = await audit();
      expect(r.ok, name).toBe(false);
      expect(r.discrepancies.some((d) => d.table === table && what.test(`${d.field ?? ""} ${d.what}`)), `${name}:\n${show(r.discrepancies)}`).toBe(true);
      await fx.db.sql.transaction(async (tx) => {
        await tx.exec(`SET LOCAL session_replication_role = replica; DELETE FROM ledger_commitment; DELETE FROM reading WHERE leaf_index = ${inc}; DELETE FROM data_grant WHERE id = (SELECT grant_id FROM grant_event WHERE leaf_index = ${grant})`);
        await tx.query(`INSERT INTO ledger_commitment SELECT * FROM jsonb_populate_recordset(null::ledger_commitment, $1::jsonb)`, [JSON.stringify(snap.map((s) => s.j))]);
        await tx.query(`INSERT INTO reading SELECT * FROM jsonb_populate_recordset(null::reading, $1::jsonb)`, [JSON.stringify(readingSnap.map((s) => s.j))]);
        await tx.query(`INSERT INTO data_grant SELECT * FROM jsonb_populate_recordset(null::data_grant, $1::jsonb)`, [JSON.stringify(grantSnap.map((s) => s.j))]);
      });
      expect(show((await audit()).discrepancies), `restored after ${name}`).toBe("");
    }
  });
});
