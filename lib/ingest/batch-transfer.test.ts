import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { signerFromSeed } from "../sim/simulator-keys";
import type { DeviceInfo } from "./device-cache";
import { signEnvelope, type Envelope } from "./envelope";
import { signGatewayBatch } from "./gateway";
import { checkGatewayBatch, checkSignedReading, type CheckedBatch, type CheckedReading, type CheckEnv } from "./check-message";
import { ed25519Check } from "./verifier";
import { packBatch, packReadings, unpackBatch, unpackReadings } from "./batch-transfer";
import { readingEntries, type StorableReading } from "./store-readings";

/** A sealed reading row's COPY text ends with its leaf hash and salt (`\\x` + 64 hex digits, a tab, `\\x` + 64): in hex, this many digits. */
const SALTED_TAIL = 2 * (64 + 4 + 64);

const cam = signerFromSeed(new Uint8Array(32).fill(11));
const sensor = signerFromSeed(new Uint8Array(32).fill(12));
const gw = signerFromSeed(new Uint8Array(32).fill(13));
const NOW = Date.parse("2026-12-01T00:00:00.000Z");
const registry: DeviceInfo[] = [
  { id: "cam-1", departmentId: "safety", datasetId: "safety.cameras", kind: "camera", publicKey: cam.publicKey, status: "active" },
  { id: "cam-2", departmentId: "safety", datasetId: "safety.cameras", kind: "camera", publicKey: cam.publicKey, status: "active" },
  { id: "trf-1", departmentId: "traffic", datasetId: "traffic.flow", kind: "traffic-sensor", publicKey: sensor.publicKey, status: "active" },
  { id: "gw-s", departmentId: "safety", datasetId: "*", kind: "gateway", publicKey: gw.publicKey, status: "active" },
];
const env: CheckEnv = { now: NOW, device: (id) => registry.find((d) => d.id === id) ?? null, verify: ed25519Check() };
const camera = (device: string, seq: number, at = NOW - 60_000 + seq): Envelope => ({
  device,
  dataset: "safety.cameras",
  seq,
  observedAt: new Date(at).toISOString(),
  location: [121.45, 37.46],
  values: { online: true, vehiclesPerMin: seq % 100, pedestriansPerMin: 3, alert: "none" },
});
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** What the storage transaction reads of a batch: the batch fields, the refusals, and per reading device, seq, hash, entry and rows. */
function stored(b: CheckedBatch & { kind: "batch" }) {
  const reading = (r: StorableReading) => {
    const p = r.prepared!;
    const o = p.entry.opening;
    return {
      device: r.device,
      seq: r.seq,
      payloadHash: hex(r.payloadHash),
      entry: { kind: p.entry.kind, bytes: hex(p.entry.bytes), refTable: p.entry.refTable, refId: p.entry.refId, copy: hex(p.entry.copy!) },
      opening: o ? { salt: hex(o.salt), entry: hex(o.entry), copy: hex(o.copy!) } : null,
      readingCopy: hex(p.readingCopy),
    };
  };
  return {
    gateway: b.gateway,
    departmentId: b.departmentId,
    root: hex(b.root),
    signature: hex(b.signature),
    payloadHashes: b.payloadHashes.map(hex),
    items: b.items.map((it) => (it.kind === "reading" ? reading(it.reading) : it)),
  };
}

describe("a checked gateway batch handed from a check worker as one buffer", () => {
  const readings = [
    signEnvelope(camera("cam-1", 1), cam.sign),
    signEnvelope(camera("cam-2", 2, NOW + 3_600_000), cam.sign), // refused on its own: future timestamp
    signEnvelope({ device: "trf-1", dataset: "traffic.flow", seq: 3, observedAt: new Date(NOW - 1000).toISOString(), location: [121.4, 37.4], values: { segmentId: "s", speedKmh: 40, flowVehH: 900, occupancy: 0.3 } }, sensor.sign), // another department's device
    signEnvelope(camera("cam-1", 4), cam.sign),
  ];
  const raw = new TextEncoder().encode(JSON.stringify(signGatewayBatch("gw-s", readings, gw.sign)));
  const checked = checkGatewayBatch(raw, {}, env);

  it("carries every reading's rows, hash, device and seq, and every refusal, as checked", () => {
    if (checked.kind !== "batch") throw new Error(`not accepted: ${checked.kind}`);
    expect(checked.items.map((it) => (it.kind === "reading" ? "reading" : it.refusal.reason))).toEqual(["reading", "future_timestamp", "schema", "reading"]);
    const packed = packBatch(checked)!;
    expect(packed).not.toBeNull();
    // What crosses the thread boundary: one buffer (transferred) and a few arrays, not an object per reading.
    const moved = structuredClone(packed, { transfer: [packed.rows.buf.buffer as ArrayBuffer] });
    expect(packed.rows.buf.byteLength).toBe(0);
    const back = unpackBatch(moved);
    expect(stored(back)).toEqual(stored(checked));
    // Confidential readings are sealed on the worker; their openings come across with them.
    const first = back.items[0];
    expect(first.kind === "reading" && first.reading.prepared?.entry.kind).toBe("commitment.v1");
    expect(first.kind === "reading" && first.reading.prepared?.entry.opening?.salt.length).toBe(32);
    // The ledger entries the commit appends are the same bytes.
    const entries = (b: CheckedBatch & { kind: "batch" }) => readingEntries(b.items.flatMap((it) => (it.kind === "reading" ? [it.reading] : []))).map((e) => hex(e.bytes));
    expect(entries(back)).toEqual(entries(checked));
  });

  it("writes the rows of readings that come without them (a check worker's) as prepareReadingRows does", () => {
    if (checked.kind !== "batch") throw new Error("not accepted");
    const bare = checkGatewayBatch(raw, {}, { ...env, prepareRows: false });
    if (bare.kind !== "batch") throw new Error(`not accepted: ${bare.kind}`);
    expect(bare.items.every((it) => it.kind !== "reading" || !it.reading.prepared)).toBe(true);
    const packed = packBatch(bare)!;
    const back = unpackBatch(structuredClone(packed, { transfer: [packed.rows.buf.buffer as ArrayBuffer] }));
    const want = stored(checked);
    const got = stored(back);
    // A sealed (confidential) reading's salt is fresh each time it is sealed: the commitment, its
    // leaf hash and the salt at the end of the reading row's COPY text (sealed_leaf_hash and
    // seal_salt, 64 hex digits each and a tab and \\x between, here hex again: SALTED_TAIL) differ
    // with it; the inner entry and the rest are the same.
    const salted = (s: ReturnType<typeof stored>) =>
      s.items.map((it) =>
        "entry" in it && it.opening ? { ...it, entry: { ...it.entry, bytes: "", copy: "" }, opening: { ...it.opening, salt: "", copy: "" }, readingCopy: it.readingCopy.slice(0, -SALTED_TAIL) } : it,
      );
    expect(salted(got)).toEqual(salted(want));
    expect({ ...got, items: [] }).toEqual({ ...want, items: [] });
    for (const it of back.items) {
      if (it.kind !== "reading") continue;
      const e = it.reading.prepared!.entry;
      if (!e.opening) continue;
      const commitment = crypto.hash("sha256", Buffer.concat([e.opening.salt, e.opening.entry]), "hex");
      expect(new TextDecoder().decode(e.bytes)).toContain(commitment);
    }
    // The plain reading (trf-1 is refused here) and the sealed ones: every accepted one was written.
    expect(got.items.filter((it) => "entry" in it).length).toBe(2);
  });
});

describe("a worker's chunk of signed readings handed over as one buffer", () => {
  const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const messages = [
    enc(signEnvelope(camera("cam-1", 7), cam.sign)), // accepted, sealed (confidential)
    enc(signEnvelope(camera("cam-2", 8), sensor.sign)), // bad signature
    enc(signEnvelope({ device: "trf-1", dataset: "traffic.flow", seq: 9, observedAt: new Date(NOW - 1000).toISOString(), location: [121.4, 37.4], values: { segmentId: "s", speedKmh: 40, flowVehH: 900, occupancy: 0.3 } }, sensor.sign)), // accepted
    enc(signEnvelope(camera("cam-9", 1), cam.sign)), // unknown here: a lookup
  ];
  const lookupEnv: CheckEnv = { ...env, device: (id) => (id === "cam-9" ? undefined : env.device(id)) };
  const checked = messages.map((m) => checkSignedReading(m, {}, lookupEnv));
  const view = (out: CheckedReading[]) =>
    out.map((r) =>
      r.kind === "reading"
        ? { deviceId: r.deviceId, department: r.departmentId, key: hex(r.key), ...stored({ kind: "batch", gateway: "", departmentId: "", root: new Uint8Array(), signature: new Uint8Array(), payloadHashes: [], items: [{ kind: "reading", reading: r.reading }] }).items[0] }
        : r,
    );

  it("keeps each message's result in order: readings with their key and rows, refusals and lookups as they were", () => {
    expect(checked.map((r) => (r.kind === "refusal" ? r.refusal.reason : r.kind))).toEqual(["reading", "bad_signature", "reading", "lookup"]);
    const packed = packReadings(checked)!;
    const moved = structuredClone(packed, { transfer: [packed.rows.buf.buffer as ArrayBuffer] });
    const back = unpackReadings(moved);
    expect(view(back)).toEqual(view(checked));
  });

  it("writes the rows of readings checked without them byte for byte as prepareReadingRows does", () => {
    const bare = messages.map((m) => checkSignedReading(m, {}, { ...lookupEnv, prepareRows: false }));
    const packed = packReadings(bare)!;
    const back = unpackReadings(structuredClone(packed, { transfer: [packed.rows.buf.buffer as ArrayBuffer] }));
    // The plain reading (trf-1) exactly; the sealed one (cam-1) has a fresh salt each time it is
    // sealed, and so its row's last two fields, its commitment leaf's hash and the salt (SALTED_TAIL).
    expect(view(back)[2]).toEqual(view(checked)[2]);
    const unsalted = (r: ReturnType<typeof view>[number]) => ("readingCopy" in r ? ("opening" in r && r.opening ? r.readingCopy.slice(0, -SALTED_TAIL) : r.readingCopy) : r);
    expect(view(back).map(unsalted)).toEqual(view(checked).map(unsalted));
  });
});
