import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { setDb } from "../db/client";
import { decodeEntry } from "../ledger/entries";
import type { Viewer } from "../access/viewer";
import { listDevices } from "../devices/list-devices";
import { quarantinedGateways, releaseGateway } from "../devices/quarantine-gateway";
import { unsafeRotateDeviceKey } from "../devices/change-device-key";
import { signerFromSeed } from "../sim/simulator-keys";
import { Intake } from "./intake";
import { bytes, gatewayBatch, seedIngestFixture, signed, type Keyed } from "./testing/ingest-fixture";

const targets = await testTargets();
const admin: Viewer = { kind: "user", userId: "u-admin", departmentId: "traffic", role: "dept_admin" };
const otherAdmin: Viewer = { kind: "user", userId: "u-energy", departmentId: "energy", role: "dept_admin" };

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("gateway trust on %s", (_name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let fx: Awaited<ReturnType<typeof seedIngestFixture>>;
  let intake: Intake;
  let k: Keyed[];

  const submit = (readings: ReturnType<typeof signed>[]) => intake.submitGatewayBatch(bytes(gatewayBatch(fx.gateway, readings)), { source: { transport: "http", detail: "it" } });
  const gatewayEntries = async () =>
    (await db.sql.query<{ entry: Uint8Array }>(`SELECT entry FROM ledger_leaf WHERE kind = 'device.v1' AND ref_id = $1 ORDER BY leaf_index`, [fx.gateway.id])).map(
      (e) => decodeEntry(new Uint8Array(e.entry)) as { action: string; reason?: string },
    );
  const seqs = async (device: string) => (await db.sql.query<{ seq: number }>(`SELECT seq FROM reading WHERE device_id = $1 ORDER BY seq`, [device])).map((r) => Number(r.seq));
  /** A reading changed after its device signed it (the gateway then signs the batch over it). */
  const altered = (kk: Keyed, seq: number) => {
    const r = signed(kk, seq);
    r.values.speedKmh = 5;
    return r;
  };

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    fx = await seedIngestFixture(db);
    k = fx.keyed;
    // The default sample (2%, at least one reading per batch), on a check worker.
    intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 1, gatewaySampleRate: 0.02 });
  });
  afterAll(async () => {
    await intake?.close();
    await db?.drop();
  });

  it("refuses a reading signed with a key its device held before (rotated while it waited at the gateway) without quarantining the gateway", async () => {
    const dev = k[19];
    const old = signed(dev, 1);
    await unsafeRotateDeviceKey(db.sql, { device: dev.id, publicKey: signerFromSeed(new Uint8Array(32).fill(123)).publicKey, reason: "scheduled" });
    await intake.devices.reload([dev.id]);
    const out = await submit([old]);
    expect(out.refused).toBeNull();
    expect(out.readings).toEqual([expect.objectContaining({ status: "refused", reason: "revoked_key", path: "signature" })]);
    expect((await gatewayEntries()).map((e) => e.action)).toEqual(["register"]);
    expect(await seqs(dev.id)).toEqual([]);
  });

  it("quarantines a gateway whose batch carries an altered reading, dead-letters its batches whole, and an admin releases it", async () => {
    // Honest batches pass.
    const ok = await submit([signed(k[0], 1), signed(k[1], 1), signed(k[2], 1)]);
    expect(ok.refused).toBeNull();
    expect(ok.readings.map((r) => r.status)).toEqual(["accepted", "accepted", "accepted"]);

    // One reading altered after its device signed: the only reading, so it is the sample.
    const bad = await submit([altered(k[3], 1)]);
    expect(bad.refused).toMatchObject({ status: "refused", reason: "gateway_quarantined", path: "readings.0.signature" });
    expect(await seqs(k[3].id)).toEqual([]);
    const [dl] = await db.sql.query<{ reason: string; raw: Uint8Array; gateway_device_id: string }>(`SELECT reason, raw, gateway_device_id FROM dead_letter ORDER BY id DESC LIMIT 1`);
    expect(dl.reason).toBe("gateway_quarantined");
    expect(dl.gateway_device_id).toBe(fx.gateway.id);
    // The batch is kept whole.
    expect(JSON.parse(Buffer.from(dl.raw).toString("utf8"))).toMatchObject({ gateway: fx.gateway.id, readings: [{ device: k[3].id }] });
    const entries = await gatewayEntries();
    expect(entries.map((e) => e.action)).toEqual(["register", "quarantine"]);
    expect(entries[1].reason).toMatch(/device signature that does not verify/);

    // Its next batch, honest or not, is dead-lettered whole.
    const next = await submit([signed(k[4], 1), signed(k[5], 1)]);
    expect(next.refused).toMatchObject({ reason: "gateway_quarantined", path: "gateway" });
    expect(next.readings).toEqual([]);
    expect(await seqs(k[4].id)).toEqual([]);

    // The department's admins see it; another department's do not, and cannot release it.
    expect((await quarantinedGateways({ viewer: admin })).gateways).toEqual([expect.objectContaining({ id: fx.gateway.id, reason: expect.stringMatching(/readings\[0\]/) })]);
    expect((await quarantinedGateways({ viewer: otherAdmin })).gateways).toEqual([]);
    expect((await listDevices({ viewer: admin, q: fx.gateway.id })).devices[0].quarantine).toMatchObject({ since: expect.any(String) });
    await expect(releaseGateway({ viewer: otherAdmin, device: fx.gateway.id, reason: "x" })).rejects.toMatchObject({ code: "forbidden" });
    await expect(releaseGateway({ viewer: admin, device: k[0].id, reason: "x" })).rejects.toMatchObject({ code: "validation" });

    const released = await releaseGateway({ viewer: admin, device: fx.gateway.id, reason: "firmware reinstalled" });
    expect(released).toMatchObject({ device: fx.gateway.id, quarantined: false, suspectUntil: expect.any(String) });
    await expect(releaseGateway({ viewer: admin, device: fx.gateway.id, reason: "again" })).rejects.toMatchObject({ code: "conflict" });
    expect((await gatewayEntries()).map((e) => e.action)).toEqual(["register", "quarantine", "release"]);
    expect((await quarantinedGateways({ viewer: admin })).gateways).toEqual([]);
    await intake.devices.reload([fx.gateway.id]);

    const after = await submit([signed(k[4], 1), signed(k[5], 1)]);
    expect(after.refused).toBeNull();
    expect(await seqs(k[4].id)).toEqual([1]);

    // Under suspicion after the release every reading is checked: an altered one deep in a batch
    // of 60 (the 2% sample would check 2) is caught, and the gateway quarantined again.
    const batch = Array.from({ length: 60 }, (_, i) => signed(k[6 + (i % 10)], 10 + Math.floor(i / 10)));
    batch[41] = altered(k[6 + (41 % 10)], 10 + Math.floor(41 / 10));
    const caught = await submit(batch);
    expect(caught.refused).toMatchObject({ reason: "gateway_quarantined", path: "readings.41.signature" });
    expect(await seqs(k[6].id)).toEqual([]);
    expect((await gatewayEntries()).map((e) => e.action)).toEqual(["register", "quarantine", "release", "quarantine"]);
  });
});
