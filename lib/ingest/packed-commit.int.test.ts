// Gateway batches through the check workers and the commit that copies their rows from the
// buffer the worker wrote them into (batch-transfer.ts, store-readings.ts ReadingInPlace): a
// restricted dataset's readings sealed in place, a public one's in clear, groups large enough
// for COPY; resends and a reading twice in one batch; the ledger audit opens every commitment.
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { setDb } from "../db/client";
import { registerDeviceKeys } from "../devices/register-devices";
import { unsafeRegisterNewDevices } from "../devices/register-device";
import { signerFromSeed } from "../sim/simulator-keys";
import type { Device } from "../city/types";
import { Intake } from "./intake";
import { signEnvelope, type Envelope, type SignedEnvelope } from "./envelope";
import { bytes, gatewayBatch, integrateAndAudit, smallCity } from "./testing/ingest-fixture";
import { seedCity } from "../server/seed";

const targets = await testTargets();
const T0 = Date.parse("2026-05-01T00:00:00.000Z");
const signerOf = (id: string) => signerFromSeed(new Uint8Array(crypto.createHash("sha256").update(`packed/${id}`).digest()));

function envelope(d: Device, seq: number): Envelope {
  const values: Envelope["values"] = d.datasetId === "safety.cameras" ? { online: true, vehiclesPerMin: seq % 100, pedestriansPerMin: 3, alert: "none" } : { segmentId: (d as { segmentId: string }).segmentId, speedKmh: 40, flowVehH: 900, occupancy: 0.25 };
  return { device: d.id, dataset: d.datasetId, seq, observedAt: new Date(T0 + seq * 1000).toISOString(), location: [d.location[0], d.location[1]], values };
}

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("gateway batches committed from the workers' buffers on %s", (_name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let intake: Intake;
  const city = smallCity();
  const cameras = city.devices.filter((d) => d.kind === "camera").slice(0, 40);
  const sensors = city.devices.filter((d) => d.kind === "traffic-sensor").slice(0, 40);
  const gw = { safety: { id: "gw-safety-packed", signer: signerOf("gw-safety") }, traffic: { id: "gw-traffic-packed", signer: signerOf("gw-traffic") } };
  const signed = (d: Device, seq: number): SignedEnvelope => signEnvelope(envelope(d, seq), signerOf(d.id).sign);
  const submit = (g: { id: string; signer: ReturnType<typeof signerOf> }, readings: SignedEnvelope[]) =>
    intake.submitGatewayBatch(bytes(gatewayBatch(g, readings)), { source: { transport: "http", detail: "test" } });

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    await seedCity(db, city);
    await registerDeviceKeys(db.sql, [...cameras, ...sensors].map((d) => ({ device: d.id, publicKey: signerOf(d.id).publicKey })));
    await unsafeRegisterNewDevices(db.sql, [
      { id: gw.safety.id, departmentId: "safety", datasetId: "*", kind: "gateway", location: city.center, publicKey: gw.safety.signer.publicKey },
      { id: gw.traffic.id, departmentId: "traffic", datasetId: "*", kind: "gateway", location: city.center, publicKey: gw.traffic.signer.publicKey },
    ]);
    await db.sql.query(`UPDATE device SET created_at = $1`, [new Date(T0 - 86_400_000)]);
    intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 22, threads: 1, maxGroup: 5000 });
  });
  afterAll(async () => {
    await intake?.close();
    await db?.drop();
  });

  it("stores sealed and clear readings with their leaves and openings, acknowledges resends and a reading twice in a batch, and the audit passes", async () => {
    const cams = cameras.flatMap((d) => [1, 2].map((seq) => signed(d, seq)));
    const trf = sensors.flatMap((d) => [1, 2].map((seq) => signed(d, seq)));
    // Both batches in one commit (submitted together), each of 80 readings: the leaves go by COPY.
    const [a, b] = await Promise.all([submit(gw.safety, cams), submit(gw.traffic, trf)]);
    for (const r of [a, b]) {
      expect(r.refused).toBeNull();
      expect(r.readings.map((o) => o.status === "accepted" && !o.duplicate)).toEqual(new Array(80).fill(true));
    }
    const leaves = [...a.readings, ...b.readings].map((o) => (o.status === "accepted" ? o.leafIndex : -1));
    expect(new Set(leaves).size).toBe(160);

    // The same batch again: each reading acknowledged with the leaf it has.
    const again = await submit(gw.safety, cams);
    expect(again.readings.map((o) => (o.status === "accepted" && o.duplicate ? o.leafIndex : -1))).toEqual(a.readings.map((o) => (o.status === "accepted" ? o.leafIndex : -2)));

    // New seqs, one reading twice in the batch: stored once, the second acknowledged with its leaf.
    const next = cameras.map((d) => signed(d, 3));
    const twice = await submit(gw.safety, [...next, next[5]]);
    const outs = twice.readings;
    expect(outs.slice(0, 40).every((o) => o.status === "accepted" && !o.duplicate)).toBe(true);
    expect(outs[40]).toMatchObject({ status: "accepted", duplicate: true, leafIndex: outs[5].status === "accepted" ? outs[5].leafIndex : -1 });

    // A sealed reading's opening is its row's salt (seal_salt) beside its leaf hash (sealed_leaf_hash): no ledger_commitment row.
    const [{ readings, commitments, openingRows, clear }] = await db.sql.query<{ readings: number; commitments: number; openingRows: number; clear: number }>(
      `SELECT (SELECT count(*)::int FROM reading) AS readings, (SELECT count(*)::int FROM reading WHERE length(seal_salt) = 32 AND sealed_leaf_hash IS NOT NULL) AS commitments,
              (SELECT count(*)::int FROM ledger_commitment c JOIN reading r ON r.leaf_index = c.leaf_index) AS "openingRows",
              (SELECT count(*)::int FROM reading WHERE leaf_hash IS NOT NULL AND seal_salt IS NULL AND NOT EXISTS (SELECT 1 FROM ledger_leaf l WHERE l.leaf_index = reading.leaf_index)) AS clear`,
    );
    expect({ readings, commitments, openingRows, clear }).toEqual({ readings: 200, commitments: 120, openingRows: 0, clear: 80 });
    const batchRows = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading WHERE gateway_batch_id IS NULL`);
    expect(batchRows[0].n).toBe(0);

    const report = await integrateAndAudit(db);
    expect(report.discrepancies).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
