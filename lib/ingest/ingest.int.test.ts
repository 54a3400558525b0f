import { readLeafEntry } from "../ledger-store/leaf-entries";
import { leafHash } from "../ledger/merkle";
import { nodeSha256 } from "../ledger-store/node-hasher";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MqttClient } from "mqtt";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { setDb } from "../db/client";
import { decodeEntry } from "../ledger/entries";
import { startEmbeddedBroker, type EmbeddedBroker } from "../mqtt/embedded-broker";
import { connectDeviceAsync } from "../mqtt/device-client";
import { dispatchMqttMessage } from "../mqtt/dispatch";
import { testBrokerTls } from "../mqtt/testing/test-tls";
import { batchesTopic, readingsTopic } from "../mqtt/topics";
import { unsafeRevokeDeviceKey, unsafeRotateDeviceKey, revokeDevice, rotateDeviceKey } from "../devices/change-device-key";
import { listDevices } from "../devices/list-devices";
import { registerDevice } from "../devices/register-device";
import { signerFromSeed } from "../sim/simulator-keys";
import type { Viewer } from "../access/viewer";
import { Intake } from "./intake";
import { setIntake } from "./intake-instance";
import { ingestHttpBatch, ingestHttpReading } from "./ingest-http";
import { listDeadLetters } from "./list-dead-letters";
import { bytes, checkedCandidate, gatewayBatch, integrateAndAudit, seedIngestFixture, signed, trafficEnvelope, type Keyed } from "./testing/ingest-fixture";
import crypto from "node:crypto";
import { envelopeBytes, signEnvelope } from "./envelope";
import { deviceKeyAt, deviceKeyHistory } from "../devices/device-keys";
import { searchEntries } from "../ledger-store/search-entries";
import { commitCandidates } from "./commit";

const edKey = (raw: Uint8Array) => crypto.createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw]), format: "der", type: "spki" });

const targets = await testTargets();
const admin: Viewer = { kind: "user", userId: "u-admin", departmentId: "traffic", role: "dept_admin" };
const otherAdmin: Viewer = { kind: "user", userId: "u-energy", departmentId: "energy", role: "dept_admin" };

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("signed ingest on %s", (_name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let fx: Awaited<ReturnType<typeof seedIngestFixture>>;
  let intake: Intake;
  let broker: EmbeddedBroker;
  let client: MqttClient;
  let k: Keyed[];

  const readingRows = (device: string) =>
    db.sql.query<{ seq: number; leaf_index: number; gateway_batch_id: number | null }>(`SELECT seq, leaf_index, gateway_batch_id FROM reading WHERE device_id = $1 ORDER BY seq`, [device]);
  const deadFor = (device: string) =>
    db.sql.query<{ reason: string; field_path: string | null; source: string; source_detail: string }>(`SELECT reason, field_path, source, source_detail FROM dead_letter WHERE device_id = $1 ORDER BY id`, [device]);

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    fx = await seedIngestFixture(db);
    k = fx.keyed;
    intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 2 });
    setIntake(intake);
    broker = await startEmbeddedBroker({ intake, port: 0, tls: testBrokerTls() });
    // A traffic sensor over TLS with its token (issue 13); the payloads below carry other devices' readings too.
    client = await connectDeviceAsync(broker.url, { device: k[0].id, sign: k[0].signer.sign, ca: broker.ca });
  });
  afterAll(async () => {
    await client?.endAsync(true).catch(() => {});
    await broker?.close();
    await intake?.close();
    setIntake(null);
    await db?.drop();
  });

  it("over the embedded broker, stores signed readings before acknowledging and dead-letters the rest", async () => {
    const topic = readingsTopic("traffic", "traffic.flow");
    const pub = (v: unknown, t = topic) => client.publishAsync(t, Buffer.from(bytes(v)), { qos: 1 });
    await unsafeRevokeDeviceKey(db.sql, { device: k[5].id, reason: "stolen" });

    await pub(signed(k[0], 1));
    // The PUBACK came after the commit: the reading is there already.
    expect(await readingRows(k[0].id)).toEqual([{ seq: 1, leaf_index: expect.any(Number), gateway_batch_id: null }]);
    const [{ leaf_index: leaf1 }] = await readingRows(k[0].id);

    await pub(signed(k[0], 1)); // resend: idempotent
    await pub(signed(k[0], 2));
    await pub(signed(k[0], 2, 55)); // same seq, different payload: replay
    await pub(signed(k[0], 1, 33)); // old seq, different payload: replay
    const forged = signed(k[0], 3);
    forged.values.speedKmh = 99;
    await pub(forged);
    await pub({ ...signed(k[1], 1), signature: signed(k[2], 1).signature }); // another device's signature
    await pub(signed(k[5], 1)); // revoked key
    await pub(signEnvelope({ ...trafficEnvelope(k[3], 1), device: "trf-999999" }, k[3].signer.sign)); // unknown device
    await pub(signed(k[4], 1, 180)); // out of physical range
    await pub({ ...signed(k[4], 2), extra: true }); // unknown envelope member
    await pub(signEnvelope({ ...trafficEnvelope(k[4], 3), values: { ...trafficEnvelope(k[4], 3).values, colour: "red" } }, k[4].signer.sign));
    await pub(signEnvelope({ ...trafficEnvelope(k[4], 4), observedAt: new Date(Date.now() + 3_600_000).toISOString() }, k[4].signer.sign));
    await pub("{ not json");
    // A device may publish only to its own topic (the broker refuses others: lib/mqtt/device-transport.int.test.ts);
    // an external broker's messages on wrong topics reach the same dispatcher.
    await dispatchMqttMessage(intake, readingsTopic("energy", "traffic.flow"), bytes(signed(k[6], 1)), "broker test"); // wrong department in topic
    await dispatchMqttMessage(intake, "city/traffic/readings", bytes(signed(k[6], 2)), "broker test"); // not an intake topic
    await pub("x".repeat(5000)); // oversize

    expect((await readingRows(k[0].id)).map((r) => r.seq)).toEqual([1, 2]);
    expect((await readingRows(k[0].id))[0].leaf_index).toBe(leaf1);
    expect((await deadFor(k[0].id)).map((d) => `${d.reason} ${d.field_path}`)).toEqual(["replay seq", "replay seq", "bad_signature signature"]);
    expect((await deadFor(k[1].id)).map((d) => d.reason)).toEqual(["bad_signature"]);
    expect((await deadFor(k[5].id)).map((d) => d.reason)).toEqual(["revoked_key"]);
    expect((await deadFor("trf-999999")).map((d) => d.reason)).toEqual(["unknown_device"]);
    expect((await deadFor(k[4].id)).map((d) => `${d.reason} ${d.field_path}`)).toEqual([
      "out_of_range values.speedKmh",
      "unknown_field extra",
      "unknown_field values.colour",
      "future_timestamp observedAt",
    ]);
    expect((await deadFor(k[6].id)).map((d) => `${d.reason} ${d.field_path}`)).toEqual(["schema topic"]);
    const other = await db.sql.query<{ reason: string; source: string; raw_size: number; field_path: string | null }>(
      `SELECT reason, source, raw_size, field_path FROM dead_letter WHERE device_id IS NULL ORDER BY id`,
    );
    expect(other.map((d) => `${d.reason} ${d.field_path} ${d.source}`)).toEqual(["malformed_json null mqtt", "schema topic mqtt", "oversize null mqtt"]);
    expect(other[2].raw_size).toBe(5000);
    for (const d of await deadFor(k[0].id)) expect(d.source_detail).toContain(topic);
    for (const r of [k[1], k[4], k[5]]) expect(await readingRows(r.id)).toEqual([]);
    // The broker does not relay readings to subscribers.
    await expect(client.subscribeAsync("city/#", { qos: 1 })).rejects.toThrow(/Subscribe error/);
  });

  it("over HTTP: one reading, NDJSON, gateway batches (good, tampered, wrong gateway) and oversize", async () => {
    const post = (path: string, body: string | Uint8Array, type = "application/json") =>
      new Request(`http://localhost${path}`, { method: "POST", body: typeof body === "string" ? body : Buffer.from(body), headers: { "content-type": type } });
    const one = await ingestHttpReading({ req: post("/api/ingest/readings", JSON.stringify(signed(k[7], 1))) });
    expect(one).toMatchObject({ status: 200, body: { status: "accepted", duplicate: false, device: k[7].id, seq: 1 } });
    const again = await ingestHttpReading({ req: post("/api/ingest/readings", JSON.stringify(signed(k[7], 1))) });
    expect(again.body).toEqual({ ...(one.body as object), duplicate: true });
    const bad = await ingestHttpReading({ req: post("/api/ingest/readings", JSON.stringify(signed(k[7], 2, 200))) });
    expect(bad).toMatchObject({ status: 422, body: { status: "refused", reason: "out_of_range", path: "values.speedKmh", deadLetterId: expect.any(Number) } });
    expect((await ingestHttpReading({ req: post("/api/ingest/readings", "{") })).status).toBe(400);
    // A seeded device that never had a key registered.
    const unkeyed = fx.city.devices.find((d) => d.kind === "traffic-sensor" && !k.some((x) => x.id === d.id))!;
    const nokey = await ingestHttpReading({ req: post("/api/ingest/readings", JSON.stringify(signEnvelope({ ...trafficEnvelope(k[7], 5), device: unkeyed.id }, k[7].signer.sign))) });
    expect(nokey).toMatchObject({ status: 422, body: { reason: "unknown_device", message: expect.stringContaining("no registered key") } });
    expect((await ingestHttpReading({ req: post("/api/ingest/readings", "y".repeat(5000)) })).status).toBe(413);

    const nd = [signed(k[8], 1), signed(k[8], 2), { ...signed(k[8], 3), signature: signed(k[8], 4).signature }].map((r) => JSON.stringify(r)).join("\n") + "\n\n";
    const ndr = await ingestHttpBatch({ req: post("/api/ingest/batch", nd, "application/x-ndjson") });
    expect(ndr.status).toBe(200);
    expect(ndr.body).toMatchObject({ accepted: 2, duplicates: 0, refused: 1 });

    // A gateway batch: one signature check for the batch, each reading keeps its own signature.
    const readings = [signed(k[9], 1), signed(k[9], 2), signed(k[10], 1), signed(k[5], 2), signed(k[9], 2)];
    const batch = gatewayBatch(fx.gateway, readings);
    const gr = await ingestHttpBatch({ req: post("/api/ingest/batch", JSON.stringify(batch)) });
    expect(gr.status).toBe(200);
    const results = (gr.body as { results: { status: string; reason?: string; duplicate?: boolean }[] }).results;
    expect(results.map((r) => (r.status === "accepted" ? (r.duplicate ? "dup" : "ok") : r.reason))).toEqual(["ok", "ok", "ok", "revoked_key", "dup"]);
    const rows = await readingRows(k[9].id);
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
    const [gb] = await db.sql.query<{ gateway_device_id: string; size: number; payload_hashes: Uint8Array; batch_root: Uint8Array }>(`SELECT * FROM gateway_batch WHERE id = $1`, [rows[0].gateway_batch_id]);
    expect(gb.gateway_device_id).toBe(fx.gateway.id);
    expect(gb.size).toBe(5);
    expect(gb.payload_hashes.length).toBe(5 * 32);
    expect(Buffer.from(gb.batch_root).toString("hex")).toBe(batch.batchRoot);
    // The leaf is folded into the reading row and stores no copy of the entry: it is rebuilt from the row, and hashes to the stored leaf hash.
    const [stored] = await db.sql.query<{ entry: Uint8Array | null; leaf_hash: Uint8Array }>(`SELECT entry, leaf_hash FROM ledger_leaf_all WHERE leaf_index = $1`, [rows[0].leaf_index]);
    expect(stored.entry).toBeNull();
    const leaf = (await readLeafEntry(db.sql, Number(rows[0].leaf_index)))!;
    expect(Buffer.from(leafHash(nodeSha256, leaf.entry!)).equals(Buffer.from(stored.leaf_hash))).toBe(true);
    expect(decodeEntry(leaf.entry!)).toMatchObject({ kind: "reading.v1", device: k[9].id, gateway: { device: fx.gateway.id, batchRoot: batch.batchRoot, signature: batch.signature } });

    // A reading refused inside an accepted batch is dead-lettered with the exact bytes the gateway sent for it.
    const spaced = JSON.stringify(gatewayBatch(fx.gateway, [signed(k[13], 1), signed(k[5], 3)]), null, 2).replace('"device"', '"device" ');
    const sr = await ingestHttpBatch({ req: post("/api/ingest/batch", spaced) });
    const srResults = (sr.body as { results: { status: string; reason?: string; deadLetterId?: number }[] }).results;
    expect(srResults.map((r) => r.reason ?? r.status)).toEqual(["accepted", "revoked_key"]);
    const [dl] = await db.sql.query<{ raw: Uint8Array; raw_size: number; gateway_device_id: string }>(`SELECT raw, raw_size, gateway_device_id FROM dead_letter WHERE id = $1`, [srResults[1].deadLetterId]);
    const rawText = Buffer.from(dl.raw).toString("utf8");
    expect(rawText.startsWith("{") && rawText.endsWith("}") && rawText.includes("\n")).toBe(true);
    expect(spaced.includes(rawText)).toBe(true);
    expect(JSON.parse(rawText)).toEqual((JSON.parse(spaced) as { readings: unknown[] }).readings[1]);
    expect(dl.raw_size).toBe(dl.raw.length);
    expect(dl.gateway_device_id).toBe(fx.gateway.id);

    // Tampered: a reading changed after the gateway signed; signed by a device that is not a gateway; forged root.
    const tampered = gatewayBatch(fx.gateway, [signed(k[11], 1)]);
    tampered.readings[0] = signed(k[11], 1, 77);
    const t1 = await ingestHttpBatch({ req: post("/api/ingest/batch", JSON.stringify(tampered)) });
    expect(t1).toMatchObject({ status: 422, body: { status: "refused", reason: "bad_gateway_signature", path: "batchRoot" } });
    const forgedSig = { ...gatewayBatch(fx.gateway, [signed(k[11], 1)]), signature: gatewayBatch({ id: fx.gateway.id, signer: k[0].signer }, [signed(k[11], 1)]).signature };
    expect((await ingestHttpBatch({ req: post("/api/ingest/batch", JSON.stringify(forgedSig)) })).body).toMatchObject({ reason: "bad_gateway_signature", path: "signature" });
    const notGw = gatewayBatch({ id: k[0].id, signer: k[0].signer }, [signed(k[11], 1)]);
    expect((await ingestHttpBatch({ req: post("/api/ingest/batch", JSON.stringify(notGw)) })).body).toMatchObject({ reason: "unknown_device" });
    expect(await readingRows(k[11].id)).toEqual([]);
    // The same batch over MQTT on the department's gateway topic, the gateway connected as itself.
    const gw = await connectDeviceAsync(broker.url, { device: fx.gateway.id, sign: fx.gateway.signer.sign, ca: broker.ca });
    await gw.publishAsync(batchesTopic("traffic"), JSON.stringify(gatewayBatch(fx.gateway, [signed(k[11], 1)])), { qos: 1 });
    await gw.endAsync();
    expect((await readingRows(k[11].id)).map((r) => r.seq)).toEqual([1]);
    expect((await ingestHttpBatch({ req: post("/api/ingest/batch", "x", "text/plain") }).catch((e: Error) => e.message))).toMatch(/content type/);
  });

  it("takes a device's late reading never stored within the seq window, once, and refuses older ones as replays", async () => {
    // Two processes of a cluster can commit one device's seqs out of order (MQTT shared subscriptions).
    const post = (body: unknown) => new Request("http://localhost/api/ingest/readings", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    const send = async (v: unknown) => (await ingestHttpReading({ req: post(v) })).body as { status: string; duplicate?: boolean; reason?: string; message?: string };
    expect(await send(signed(k[15], 1))).toMatchObject({ status: "accepted", duplicate: false });
    expect(await send(signed(k[15], 3))).toMatchObject({ status: "accepted", duplicate: false });
    expect(await send(signed(k[15], 2))).toMatchObject({ status: "accepted", duplicate: false }); // late, never stored
    expect(await send(signed(k[15], 2))).toMatchObject({ status: "accepted", duplicate: true }); // its resend
    expect(await send(signed(k[15], 2, 77))).toMatchObject({ status: "refused", reason: "replay", message: expect.stringContaining("already accepted with a different payload") });
    expect((await readingRows(k[15].id)).map((r) => r.seq)).toEqual([1, 2, 3]);
    const [one, two, three] = await readingRows(k[15].id);
    expect(two.leaf_index).toBeGreaterThan(three.leaf_index); // stored in arrival order, each once
    expect(one.leaf_index).toBeLessThan(three.leaf_index);
    // The device's last seq stays the highest; in one NDJSON post, 6 then 5 are both taken.
    const nd = [signed(k[15], 6), signed(k[15], 5)].map((r) => JSON.stringify(r)).join("\n");
    const ndr = await ingestHttpBatch({ req: new Request("http://localhost/api/ingest/batch", { method: "POST", body: nd, headers: { "content-type": "application/x-ndjson" } }) });
    expect(ndr.body).toMatchObject({ accepted: 2, duplicates: 0, refused: 0 });
    expect((await db.sql.query<{ last_seq: number }>(`SELECT last_seq FROM device WHERE id = $1`, [k[15].id]))[0].last_seq).toEqual(6);
    expect((await readingRows(k[15].id)).map((r) => r.seq)).toEqual([1, 2, 3, 5, 6]);
  });

  it("below the seq window a seq never stored is a replay; a window of 0 keeps seqs strictly increasing", async () => {
    for (const s of [1, 10]) await commitCandidates(db.sql, [await checkedCandidate(k[16], s)], { seqWindow: 4 });
    const out = async (s: number, seqWindow: number) => (await commitCandidates(db.sql, [await checkedCandidate(k[16], s)], { seqWindow })).outcomes[0];
    expect(await out(5, 4)).toMatchObject({ status: "refused", reason: "replay" }); // 10 - 5 >= 4
    expect(await out(7, 4)).toMatchObject({ status: "accepted", duplicate: false });
    expect(await out(8, 0)).toMatchObject({ status: "refused", reason: "replay" });
    expect((await readingRows(k[16].id)).map((r) => r.seq)).toEqual([1, 7, 10]);
  });

  it("rotates and revokes keys on the ledger; the registry's admin use cases check the department", async () => {
    const dev = k[12];
    await expect(signedVia(intake, signed(dev, 1))).resolves.toMatchObject({ status: "accepted" });
    const next = signerFromSeed(new Uint8Array(32).fill(99));
    await unsafeRotateDeviceKey(db.sql, { device: dev.id, publicKey: next.publicKey, reason: "scheduled rotation" });
    // The intake hears of the change at once; wait for its reload so the outcome does not depend on the race
    // (a reading caught in flight is refused as revoked_key by the storage transaction instead).
    await intake.devices.reload([dev.id]);
    expect(await signedVia(intake, signed(dev, 2))).toMatchObject({ status: "refused", reason: "bad_signature" });
    expect(await signedVia(intake, signEnvelope(trafficEnvelope(dev, 3), next.sign))).toMatchObject({ status: "accepted" });
    const entries = await db.sql.query<{ entry: Uint8Array }>(`SELECT entry FROM ledger_leaf WHERE kind = 'device.v1' AND ref_id = $1 ORDER BY leaf_index`, [dev.id]);
    expect(entries.map((e) => (decodeEntry(new Uint8Array(e.entry)) as { action: string }).action)).toEqual(["register", "rotate"]);

    await expect(revokeDevice({ viewer: { kind: "guest" }, device: dev.id, reason: "x" })).rejects.toMatchObject({ code: "unauthenticated" });
    await expect(revokeDevice({ viewer: otherAdmin, device: dev.id, reason: "x" })).rejects.toMatchObject({ code: "forbidden" });
    await revokeDevice({ viewer: admin, device: dev.id, reason: "decommissioned" });
    expect(await signedVia(intake, signEnvelope(trafficEnvelope(dev, 4), next.sign))).toMatchObject({ status: "refused", reason: "revoked_key" });
    await expect(revokeDevice({ viewer: admin, device: dev.id, reason: "again" })).rejects.toMatchObject({ code: "conflict" });
    // The rotated-out key is kept: each reading's signature checks with the key valid at its leaf.
    const [r1, r3] = await readingRows(dev.id);
    const sigRows = await db.sql.query<{ seq: number; leaf_index: number; payload_hash: Uint8Array; signature: Uint8Array }>(`SELECT seq, leaf_index, payload_hash, signature FROM reading WHERE device_id = $1 ORDER BY seq`, [dev.id]);
    expect((await deviceKeyAt(db.sql, dev.id, r1.leaf_index))!.publicKey).toEqual(new Uint8Array(dev.signer.publicKey));
    expect((await deviceKeyAt(db.sql, dev.id, r3.leaf_index))!.publicKey).toEqual(new Uint8Array(next.publicKey));
    const env1 = envelopeBytes(trafficEnvelope(dev, 1));
    expect(crypto.verify(null, env1, edKey((await deviceKeyAt(db.sql, dev.id, sigRows[0].leaf_index))!.publicKey), sigRows[0].signature)).toBe(true);
    const history = await deviceKeyHistory(db.sql, dev.id);
    expect(history.map((h) => h.retiredBy)).toEqual(["revoke", "rotate"]);
    expect(history[1].validUntilLeaf).toBe(history[0].validFromLeaf);

    // A revoked device (its key stolen, say) stays revoked: a new key alone is refused, and so
    // is a reinstatement without a reason; a reasoned reinstatement is ledgered as one.
    const third = signerFromSeed(new Uint8Array(32).fill(97));
    const thirdKey = Buffer.from(third.publicKey).toString("base64");
    await expect(rotateDeviceKey({ viewer: admin, device: dev.id, publicKey: thirdKey })).rejects.toMatchObject({ code: "conflict", message: expect.stringContaining("stays revoked") });
    await expect(rotateDeviceKey({ viewer: admin, device: dev.id, publicKey: thirdKey, reinstate: true, reason: " " })).rejects.toMatchObject({ code: "validation", message: expect.stringContaining("reason") });
    expect((await listDevices({ viewer: admin, status: "revoked" })).devices.map((d) => d.id)).toContain(dev.id);
    await expect(rotateDeviceKey({ viewer: admin, device: dev.id, publicKey: thirdKey, reinstate: true, reason: "recovered, re-flashed" })).resolves.toEqual({ action: "rotate", reinstated: true });
    const last = await db.sql.query<{ entry: Uint8Array }>(`SELECT entry FROM ledger_leaf WHERE kind = 'device.v1' AND ref_id = $1 ORDER BY leaf_index DESC LIMIT 1`, [dev.id]);
    expect(decodeEntry(new Uint8Array(last[0].entry))).toMatchObject({ action: "rotate", reason: "reinstated: recovered, re-flashed" });
    await intake.devices.reload([dev.id]);
    expect(await signedVia(intake, signEnvelope(trafficEnvelope(dev, 5), third.sign))).toMatchObject({ status: "accepted" });

    const fresh = signerFromSeed(new Uint8Array(32).fill(98));
    const reg = { id: "trf-new-1", departmentId: "traffic", datasetId: "traffic.flow", kind: "traffic-sensor" as const, location: [121.4, 37.5] as [number, number], publicKey: Buffer.from(fresh.publicKey).toString("base64") };
    await expect(registerDevice({ viewer: otherAdmin, device: reg })).rejects.toMatchObject({ code: "forbidden" });
    await expect(registerDevice({ viewer: admin, device: { ...reg, datasetId: "energy.load" } })).rejects.toMatchObject({ code: "validation" });
    await expect(registerDevice({ viewer: admin, device: { ...reg, publicKey: "AAAA" } })).rejects.toMatchObject({ code: "validation" });
    // A small-order key (here the identity point) would let anyone sign for the device.
    const identity = Buffer.alloc(32);
    identity[0] = 1;
    await expect(registerDevice({ viewer: admin, device: { ...reg, publicKey: identity.toString("base64") } })).rejects.toMatchObject({
      code: "validation",
      userMessage: expect.stringContaining("small-order point"),
    });
    await registerDevice({ viewer: admin, device: reg });
    await expect(registerDevice({ viewer: admin, device: reg })).rejects.toMatchObject({ code: "conflict" });
    // Dated before the device was registered (the fixture's T0), or before 2000: refused by name.
    const early = { ...trafficEnvelope(k[0], 1), device: "trf-new-1" };
    expect(await signedVia(intake, signEnvelope(early, fresh.sign))).toMatchObject({ status: "refused", reason: "before_registration", path: "observedAt" });
    const y1999 = { ...trafficEnvelope(k[0], 1), device: "trf-new-1", observedAt: "1999-12-31T23:59:59.000Z" };
    expect(await signedVia(intake, signEnvelope(y1999, fresh.sign))).toMatchObject({ status: "refused", reason: "before_2000", path: "observedAt" });
    const env = { ...trafficEnvelope(k[0], 1), device: "trf-new-1", observedAt: new Date().toISOString() };
    expect(await signedVia(intake, signEnvelope(env, fresh.sign))).toMatchObject({ status: "accepted" });

    const list = await listDevices({ viewer: admin, q: "trf-new", status: "active" });
    expect(list.devices.map((d) => d.id)).toEqual(["trf-new-1"]);
    // dev was reinstated above; k[5] stays revoked.
    expect((await listDevices({ viewer: admin, status: "revoked" })).devices.map((d) => d.id)).toEqual([k[5].id]);
    await expect(listDevices({ viewer: admin, department: "energy" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(listDevices({ viewer: { kind: "guest" } })).rejects.toMatchObject({ code: "unauthenticated" });

    const dl = await listDeadLetters({ viewer: admin });
    expect(dl.total).toBeGreaterThan(10);
    expect(dl.counts.find((c) => c.reason === "bad_signature")?.count).toBeGreaterThanOrEqual(3);
    expect(dl.items.every((i) => i.departmentId === "traffic")).toBe(true);
    const replays = await listDeadLetters({ viewer: admin, reason: "replay" });
    expect(replays.items.length).toBeGreaterThanOrEqual(2);
    expect(replays.items[0].rawPreview).toContain('"signature"');
    await expect(listDeadLetters({ viewer: otherAdmin, department: "traffic" })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("ledger search finds entries by kind: readings through the primary key, other kinds through the partial index", async () => {
    const devices = await searchEntries({ viewer: admin, kind: "device.v1", limit: 5 });
    expect(devices.entries.length).toBe(5);
    expect(devices.entries.every((e) => e.kind === "device.v1")).toBe(true);
    const idx = devices.entries.map((e) => e.leafIndex);
    expect(idx).toEqual([...idx].sort((a, b) => b - a));
    const older = await searchEntries({ viewer: admin, kind: "device.v1", before: idx[4], limit: 5 });
    expect(older.entries.every((e) => e.kind === "device.v1" && e.leafIndex < idx[4])).toBe(true);
    const readings = await searchEntries({ viewer: admin, kind: "reading.v1", limit: 3 });
    expect(readings.entries.map((e) => e.kind)).toEqual(["reading.v1", "reading.v1", "reading.v1"]);
    const any = await searchEntries({ viewer: admin, limit: 3 });
    expect(any.entries.length).toBe(3);
    expect((await searchEntries({ viewer: admin, kind: "no-such.v1", limit: 3 })).entries).toEqual([]);
    // The search's predicate lets the planner use the partial index (which it prefers on a large ledger).
    const plan = await db.sql.transaction(async (tx) => {
      await tx.query(`SET LOCAL enable_seqscan = off`);
      return tx.query(`EXPLAIN SELECT leaf_index FROM ledger_leaf WHERE kind = 'device.v1' AND kind <> 'reading.v1' AND leaf_index < 1000000 ORDER BY leaf_index DESC LIMIT 5`);
    });
    expect(JSON.stringify(plan)).toContain("ledger_leaf_kind_leaf_index_idx");
  });

  it("the ledger audit rebuilds every reading, gateway-batched ones included", async () => {
    const report = await integrateAndAudit(db);
    expect(report.discrepancies).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.readings).toBeGreaterThanOrEqual(10);
  });
});

function signedVia(intake: Intake, v: unknown) {
  return intake.submitReading(bytes(v), { source: { transport: "http", detail: "test" } });
}
