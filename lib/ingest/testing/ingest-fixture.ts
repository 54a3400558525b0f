// Shared set-up of the ingest integration tests: a database target with a small seeded
// city, a few keyed traffic sensors and a gateway, and helpers to sign readings.
import net from "node:net";
import { generateCity } from "../../city";
import type { CityModel, TrafficSensor } from "../../city/types";
import { seedCity } from "../../server/seed";
import { signerFromSeed, type DeviceSigner } from "../../sim/simulator-keys";
import { registerDeviceKeys } from "../../devices/register-devices";
import { unsafeRegisterNewDevices } from "../../devices/register-device";
import { webCryptoEd25519 } from "../../ledger/ed25519";
import { generateNoteKey, SIG_TYPE_ED25519 } from "../../ledger/note";
import { SIG_TYPE_COSIGNATURE_V1 } from "../../ledger/cosignature";
import { createLogPublisher } from "../../ledger-store/log-service";
import { inProcessWitness } from "../../ledger-store/witnesses";
import { auditLedger } from "../../ledger-store/audit";
import type { Db } from "../../db/client";
import { envelopeBytes, payloadHashOf, signEnvelope, type Envelope, type SignedEnvelope } from "../envelope";
import type { Candidate } from "../commit";
import { signGatewayBatch, type GatewayBatchWire } from "../gateway";

export const ORIGIN = "it.city-brain.example/ledger";
let cityCache: CityModel | null = null;
export const smallCity = () => (cityCache ??= generateCity({ seed: "ingest-it", size: 0.3 }));

export type Keyed = { id: string; signer: DeviceSigner; sensor: TrafficSensor };

/** Seeds the city and registers keys for `n` traffic sensors and one traffic gateway. */
export async function seedIngestFixture(db: Db, n = 20) {
  const city = smallCity();
  await seedCity(db, city);
  const sensors = city.devices.filter((d): d is TrafficSensor => d.kind === "traffic-sensor").slice(0, n);
  const keyed: Keyed[] = sensors.map((s, i) => ({ id: s.id, sensor: s, signer: signerFromSeed(new Uint8Array(32).fill(i + 1)) }));
  await registerDeviceKeys(db.sql, keyed.map((k) => ({ device: k.id, publicKey: k.signer.publicKey })));
  const gateway = { id: "gw-traffic-it", signer: signerFromSeed(new Uint8Array(32).fill(200)) };
  await unsafeRegisterNewDevices(db.sql, [{ id: gateway.id, departmentId: "traffic", datasetId: "*", kind: "gateway", location: city.center, publicKey: gateway.signer.publicKey }]);
  // The fixture's readings are dated from T0: its devices were registered before that
  // (readings dated before their device's registration are refused).
  await db.sql.query(`UPDATE device SET created_at = $1`, [new Date(T0 - 86_400_000)]);
  return { city, keyed, gateway };
}

const T0 = Date.parse("2026-05-01T00:00:00.000Z");

/** A traffic reading of a keyed sensor at seq (observed seq seconds after T0). */
export function trafficEnvelope(k: Keyed, seq: number, speedKmh = 40): Envelope {
  return {
    device: k.id,
    dataset: "traffic.flow",
    seq,
    observedAt: new Date(T0 + seq * 1000).toISOString(),
    location: [k.sensor.location[0], k.sensor.location[1]],
    values: { segmentId: k.sensor.segmentId, speedKmh, flowVehH: 900, occupancy: 0.25 },
  };
}

export const signed = (k: Keyed, seq: number, speedKmh = 40): SignedEnvelope => signEnvelope(trafficEnvelope(k, seq, speedKmh), k.signer.sign);
export const bytes = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));

/** A keyed sensor's reading at seq as the intake hands it to commitCandidates once checked. */
export function checkedCandidate(k: Keyed, seq: number, speedKmh = 40): Candidate {
  const e = trafficEnvelope(k, seq, speedKmh);
  const raw = bytes(signEnvelope(e, k.signer.sign));
  const signature = k.signer.sign(envelopeBytes(e));
  return { kind: "reading", reading: { ...e, payloadHash: payloadHashOf(envelopeBytes(e)), signature }, key: k.signer.publicKey, source: { transport: "http", detail: "test" }, raw, rawSize: raw.length };
}

export function gatewayBatch(gw: { id: string; signer: DeviceSigner }, readings: SignedEnvelope[]): GatewayBatchWire {
  return signGatewayBatch(gw.id, readings, gw.signer.sign);
}

/** Integrates the log, signs a checkpoint, has one witness cosign it, then audits everything. */
export async function integrateAndAudit(db: Db) {
  const ed = webCryptoEd25519();
  const log = await generateNoteKey(ed, ORIGIN, SIG_TYPE_ED25519);
  const wk = await generateNoteKey(ed, "it/witness/traffic", SIG_TYPE_COSIGNATURE_V1);
  const w = await inProcessWitness({ sql: db.sql, department: "traffic", signerKey: wk.signerKey, verifierKey: wk.verifierKey, log: { origin: ORIGIN, verifierKey: log.verifierKey } });
  const publisher = await createLogPublisher({ sql: db.sql, origin: ORIGIN, logSignerKey: log.signerKey, witnesses: [w], intervalMs: 1000 });
  await publisher.round();
  return auditLedger(db.sql, { logVerifierKey: log.verifierKey, witnessVerifierKeys: [wk.verifierKey], quorum: 1 });
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Polls `fn` until it returns true or the time is up. */
export async function until(fn: () => Promise<boolean>, ms = 15_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
