import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { signerFromSeed, type DeviceSigner } from "./simulator-keys";
import { GATEWAY_BATCH_SIZE, SIM_SIGN_THREAD_NAME, signTick, type SignRequest, type SimKeys } from "./sim-sign";
import { startSimSigner, type SimSigner } from "./sim-signer";
import type { Envelope } from "../ingest/envelope";
import { checkGatewayBatch, checkSignedReading, type CheckEnv } from "../ingest/check-message";
import { ed25519Check } from "../ingest/verifier";
import type { DeviceInfo } from "../ingest/device-cache";

const key = (n: number): DeviceSigner => signerFromSeed(new Uint8Array(32).fill(n));
const devices = new Map<string, DeviceSigner>([["trf-1", key(1)], ["trf-2", key(2)], ["cam-1", key(3)]]);
const keys: SimKeys = { devices, gateways: new Map([["gw-1", key(9)]]) };
const NOW = Date.parse("2026-12-06T12:00:00.000Z");
const envelope = (device: string, seq: number): Envelope => ({
  device,
  dataset: "traffic.flow",
  seq,
  observedAt: new Date(NOW - 60_000 + (seq % 1000)).toISOString(),
  location: [121.45, 37.46],
  values: { segmentId: "seg-1", speedKmh: 40 + (seq % 7), flowVehH: 900, occupancy: 0.3 },
});
// The console's own checks, with the keys registered as the console registers them.
const registry = new Map<string, DeviceInfo>(
  [...devices].map(([id, s]) => [id, { id, departmentId: "traffic", datasetId: "traffic.flow", kind: "traffic-sensor", publicKey: s.publicKey, status: "active" }]),
);
registry.set("gw-1", { id: "gw-1", departmentId: "traffic", datasetId: "*", kind: "gateway", publicKey: keys.gateways.get("gw-1")!.publicKey, status: "active" });
const env = (): CheckEnv => ({ now: NOW, device: (id) => registry.get(id) ?? null, verify: ed25519Check() });
const bytes = (s: string) => new TextEncoder().encode(s);

// 1,201 readings for the gateway (three batches), one of them from a device the simulator has no key for.
const request = (): SignRequest => ({
  mqtt: [{ device: "cam-1", envelopes: [envelope("cam-1", 1), envelope("cam-1", 2)] }, { device: "no-key", envelopes: [envelope("no-key", 1)] }],
  gateways: [{ gateway: "gw-1", envelopes: Array.from({ length: 1201 }, (_, i) => envelope(i === 700 ? "no-key" : i % 2 ? "trf-1" : "trf-2", 1000 + i)) }],
});

describe("the simulator's signing (sim-sign.ts)", () => {
  it("signs MQTT payloads and gateway batches the console's checks accept, in order, skipping what has no key", () => {
    const reply = signTick(keys, request(), ed25519Check());
    expect(reply.mqtt.map((m) => m.device)).toEqual(["cam-1"]);
    for (const p of reply.mqtt[0].payloads) expect(checkSignedReading(bytes(p), {}, env()).kind).toBe("reading");
    const [g] = reply.gateways;
    expect(g.batches.map((b) => b.carries.length)).toEqual([GATEWAY_BATCH_SIZE, GATEWAY_BATCH_SIZE, 200]);
    expect(g.batches.flatMap((b) => b.carries)).toEqual(Array.from({ length: 1201 }, (_, i) => i).filter((i) => i !== 700));
    for (const b of g.batches) {
      const checked = checkGatewayBatch(bytes(b.body), {}, env());
      expect(checked.kind).toBe("batch");
      if (checked.kind === "batch") expect(checked.items.map((x) => x.kind)).toEqual(b.carries.map(() => "reading"));
    }
  });

  it("a reading whose device signature the gateway's check refuses is in no batch", () => {
    const verify = ed25519Check();
    const reply = signTick(keys, request(), (device, ...rest) => device !== "trf-1" && verify(device, ...rest));
    const carried = reply.gateways[0].batches.flatMap((b) => b.carries);
    expect(carried.length).toBe(600); // the even indexes, trf-2's, but 700's device has no key
    expect(carried.every((i) => i % 2 === 0 && i !== 700)).toBe(true);
  });
});

describe("the simulator's signing thread (sim-signer.ts)", () => {
  let signer: SimSigner | undefined;
  afterAll(async () => {
    await signer?.close();
  });

  it("answers what signing on this thread would, from a thread of its own named for the CPU figures", async () => {
    const logs: string[] = [];
    signer = startSimSigner(keys, (m) => logs.push(m));
    const [a, b] = await Promise.all([signer.sign(request()), signer.sign({ mqtt: [], gateways: [{ gateway: "gw-1", envelopes: [envelope("trf-1", 5)] }] })]);
    // Ed25519 signatures are deterministic: the same bytes as here.
    expect(a).toEqual(signTick(keys, request(), ed25519Check()));
    expect(b.gateways[0].batches[0].carries).toEqual([0]);
    expect(logs).toEqual([]);
    const names = fs.readdirSync("/proc/self/task").map((t) => fs.readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim());
    expect(names).toContain(SIM_SIGN_THREAD_NAME);
  });

  it("once closed, signs nothing more on its thread and still answers", async () => {
    await signer!.close();
    const reply = await signer!.sign({ mqtt: [{ device: "cam-1", envelopes: [envelope("cam-1", 3)] }], gateways: [] });
    expect(reply.mqtt[0].payloads).toHaveLength(1);
  });
});
