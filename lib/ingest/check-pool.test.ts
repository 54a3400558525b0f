import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signerFromSeed } from "../sim/simulator-keys";
import type { DeviceInfo } from "./device-cache";
import { signEnvelope, type Envelope } from "./envelope";
import { signGatewayBatch } from "./gateway";
import { checkGatewayBatch, checkSignedReading, type CheckEnv, type CheckedBatch, type CheckedReading } from "./check-message";
import { startCheckPool, type CheckPool } from "./check-pool";
import { ed25519Check } from "./verifier";
import { ByteWriter, copyRows } from "../db/copy-rows";

const sensor = signerFromSeed(new Uint8Array(32).fill(3));
const other = signerFromSeed(new Uint8Array(32).fill(4));
const gw = signerFromSeed(new Uint8Array(32).fill(5));
const dev = (id: string, publicKey: Uint8Array, status = "active", kind = "traffic-sensor"): DeviceInfo => ({
  id,
  departmentId: "traffic",
  datasetId: kind === "gateway" ? "*" : "traffic.flow",
  kind,
  publicKey,
  status,
});
const registry = [dev("trf-1", sensor.publicKey), dev("trf-2", other.publicKey), dev("trf-old", other.publicKey, "revoked"), dev("gw-1", gw.publicKey, "active", "gateway")];
const NOW = Date.parse("2026-12-01T00:00:00.000Z");
const env = (): CheckEnv => {
  const byId = new Map(registry.map((d) => [d.id, d]));
  return { now: NOW, device: (id) => byId.get(id) ?? null, verify: ed25519Check() };
};
const envelope = (device: string, seq: number, speedKmh: number = 40): Envelope => ({
  device,
  dataset: "traffic.flow",
  seq,
  observedAt: new Date(NOW - 60_000 + seq).toISOString(),
  location: [121.45, 37.46],
  values: { segmentId: "seg-1", speedKmh, flowVehH: 900, occupancy: 0.3 },
});
const bytes = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));

// Messages of every kind the checks tell apart.
const messages: Uint8Array[] = [
  bytes(signEnvelope(envelope("trf-1", 1), sensor.sign)), // accepted
  bytes(signEnvelope(envelope("trf-2", 7, 55.5), other.sign)), // accepted
  bytes(signEnvelope(envelope("trf-1", 2), other.sign)), // bad signature
  bytes(signEnvelope(envelope("trf-old", 3), other.sign)), // revoked
  bytes(signEnvelope(envelope("trf-1", 4, 999), sensor.sign)), // out of range
  bytes({ ...signEnvelope(envelope("trf-1", 5), sensor.sign), extra: 1 }), // unknown field
  bytes("{not json"),
  bytes(signEnvelope({ ...envelope("trf-1", 6), observedAt: new Date(NOW + 3_600_000).toISOString() }, sensor.sign)), // future
  bytes(signEnvelope(envelope("trf-9", 1), sensor.sign)), // unknown device
];

/** What the storage transaction reads of a checked reading (a worker hands back no more: batch-transfer.ts). */
const stored = (r: CheckedReading) =>
  r.kind === "reading" ? { ...r, reading: { device: r.reading.device, seq: r.reading.seq, payloadHash: r.reading.payloadHash, prepared: r.reading.prepared } } : r;

/** Results as plain data, byte arrays as hex, for comparing a worker's answer with this thread's. */
const plain = (x: unknown): unknown =>
  x instanceof Uint8Array
    ? Buffer.from(x).toString("hex")
    : Array.isArray(x)
      ? x.map(plain)
      : x && typeof x === "object"
        ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]))
        : x;

describe("check workers", () => {
  let pool: CheckPool;
  beforeAll(() => {
    pool = startCheckPool({ threads: 2, snapshot: () => registry.filter((d) => d.id !== "trf-9") })!;
    expect(pool).not.toBeNull();
  });
  afterAll(() => pool.close());

  it("give the same results as the checks on this thread, byte for byte", async () => {
    const here = messages.map((m) => checkSignedReading(m, {}, env()));
    expect(here.map((r) => (r.kind === "refusal" ? r.refusal.reason : r.kind))).toEqual([
      "reading",
      "reading",
      "bad_signature",
      "revoked_key",
      "out_of_range",
      "unknown_field",
      "malformed_json",
      "future_timestamp",
      "unknown_device",
    ]);
    const there: CheckedReading[] = await Promise.all(messages.map((m) => pool.reading(m, {}, NOW)));
    // A device the worker's copy of the registry lacks is handed back for a lookup, not refused.
    expect(there[8]).toEqual({ kind: "lookup", ids: ["trf-9"] });
    expect(plain(there.slice(0, 8).map(stored))).toEqual(plain(here.slice(0, 8).map(stored)));
  });

  it("check a gateway batch as this thread does", async () => {
    const readings = [signEnvelope(envelope("trf-1", 10), sensor.sign), signEnvelope(envelope("trf-2", 11, 999), other.sign), signEnvelope(envelope("trf-old", 12), other.sign)];
    const raw = bytes(signGatewayBatch("gw-1", readings, gw.sign));
    const here = checkGatewayBatch(raw, {}, env());
    const there: CheckedBatch = await pool.batch(raw, {}, NOW);
    expect(there.kind).toBe("batch");
    if (there.kind !== "batch" || here.kind !== "batch") return;
    expect(there.items.map((it) => (it.kind === "reading" ? "reading" : it.refusal.reason))).toEqual(["reading", "out_of_range", "revoked_key"]);
    // The worker hands back what the storage transaction reads (batch-transfer.ts): the same
    // batch fields and refusals, and for an accepted reading its device, seq, payload hash and rows.
    const stored = (b: typeof here) => ({
      ...b,
      items: b.items.map((it) => (it.kind === "reading" ? { device: it.reading.device, seq: it.reading.seq, payloadHash: it.reading.payloadHash, prepared: it.reading.prepared } : it)),
    });
    expect(plain(stored(there))).toEqual(plain(stored(here)));

    const forged = bytes({ ...signGatewayBatch("gw-1", readings, other.sign) });
    const f = await pool.batch(forged, {}, NOW);
    expect(f.kind === "whole" && f.refusal.reason).toBe("bad_gateway_signature");
  });

  it("follow the registry: a revoked key is refused and a new device is known", async () => {
    const m = messages[0];
    expect((await pool.reading(m, {}, NOW)).kind).toBe("reading");
    pool.devicesChanged([dev("trf-1", sensor.publicKey, "revoked"), dev("trf-9", sensor.publicKey)], []);
    const r = await pool.reading(m, {}, NOW);
    expect(r.kind === "refusal" && r.refusal.reason).toBe("revoked_key");
    expect((await pool.reading(messages[8], {}, NOW)).kind).toBe("reading");
    pool.devicesChanged([], ["trf-9"]);
    expect((await pool.reading(messages[8], {}, NOW)).kind).toBe("lookup");
    pool.devicesChanged([dev("trf-1", sensor.publicKey)], []);
  });

  it("spread many readings over the workers, each answered in order", async () => {
    const many = Array.from({ length: 1000 }, (_, i) => bytes(signEnvelope(envelope(i % 2 ? "trf-1" : "trf-2", i + 1), i % 2 ? sensor.sign : other.sign)));
    many[500] = bytes(signEnvelope(envelope("trf-1", 501), other.sign));
    const out = await Promise.all(many.map((m) => pool.reading(m, {}, NOW)));
    expect(out.filter((r) => r.kind === "reading")).toHaveLength(999);
    expect(out[500].kind === "refusal" && out[500].refusal.reason).toBe("bad_signature");
    out.forEach((r, i) => {
      if (r.kind === "reading") expect(r.reading.seq).toBe(i + 1);
    });
  });

  it("check one request's readings as chunks, with the results reading by reading gives", async () => {
    const many: Uint8Array[] = Array.from({ length: 300 }, (_, i) => bytes(signEnvelope(envelope(i % 2 ? "trf-1" : "trf-2", i + 1), i % 2 ? sensor.sign : other.sign)));
    many[200] = bytes(signEnvelope(envelope("trf-1", 201), other.sign));
    many.push(...messages);
    const one = await Promise.all(many.map((m) => pool.reading(m, {}, NOW)));
    const chunked = await pool.readings(many, {}, NOW);
    expect(chunked).toHaveLength(many.length);
    expect(plain(chunked.map(stored))).toEqual(plain(one.map(stored)));
    expect(chunked[200].kind === "refusal" && chunked[200].refusal.reason).toBe("bad_signature");
    expect(chunked[chunked.length - 1]).toEqual({ kind: "lookup", ids: ["trf-9"] });
    expect(await pool.readings([], {}, NOW)).toEqual([]);
  });
});

describe("check workers that fail", () => {
  it("fail their requests, are replaced, and are given up after repeated failures", async () => {
    const logs: string[] = [];
    const pool = startCheckPool({ threads: 1, snapshot: () => registry, log: (m) => logs.push(m), entry: path.resolve("lib/ingest/testing/failing-check-worker.ts") })!;
    try {
      for (let i = 0; i < 3; i++) await expect(pool.reading(messages[0], {}, NOW)).rejects.toThrow(/exit code 3/);
      expect(logs.filter((l) => l.includes("starting a new one"))).toHaveLength(2);
      await expect(pool.reading(messages[0], {}, NOW)).rejects.toThrow(/keep stopping/);
      await expect(pool.batch(messages[0], {}, NOW)).rejects.toThrow(/keep stopping/);
      expect(logs.at(-1)).toMatch(/checking messages on the main thread/);
    } finally {
      await pool.close();
    }
  });
});

describe("COPY rows as bytes", () => {
  it("writes each row's fields as given, then a newline, growing past a short hint", () => {
    const bodies = [bytes("a\tb"), bytes("名\\N"), new Uint8Array(0)];
    const out = copyRows(
      3,
      (i, w) => {
        w.uint(i + 10);
        w.ascii("\t");
        w.bytes(bodies[i]);
        if (i === 1) w.ascii("\t\\N");
      },
      1,
    );
    expect(out.toString("utf8")).toBe("10\ta\tb\n11\t名\\N\t\\N\n12\t\n");
  });

  it("writes integers as their decimal text, and byte ranges", () => {
    const w = new ByteWriter(1);
    for (const n of [0, 7, 10, 99, 100, 123456789, 2 ** 53 - 1]) {
      w.uint(n);
      w.ascii(",");
    }
    const from = bytes("0123456789".repeat(10));
    w.range(from, 3, 6);
    w.range(from, 1, 99);
    expect(Buffer.from(w.buf.subarray(0, w.at)).toString("latin1")).toBe(`0,7,10,99,100,123456789,${2 ** 53 - 1},345${"0123456789".repeat(10).slice(1, 99)}`);
  });
});
