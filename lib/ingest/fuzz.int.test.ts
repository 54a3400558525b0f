import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { startEmbeddedBroker, type EmbeddedBroker } from "../mqtt/embedded-broker";
import { connectDeviceAsync } from "../mqtt/device-client";
import { testBrokerTls } from "../mqtt/testing/test-tls";
import { readingsTopic } from "../mqtt/topics";
import { Rng } from "../city/random";
import { Intake, type Outcome } from "./intake";
import { deadLetterCap } from "./dead-letter-cap";
import { bytes, gatewayBatch, integrateAndAudit, seedIngestFixture, signed, type Keyed } from "./testing/ingest-fixture";
import type { SignedEnvelope } from "./envelope";

const targets = await testTargets();
const MESSAGES = 3000;

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("fuzzed intake on %s", (_name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let intake: Intake;
  let broker: EmbeddedBroker;
  let fx: Awaited<ReturnType<typeof seedIngestFixture>>;
  beforeAll(async () => {
    db = await target.open();
    fx = await seedIngestFixture(db, 30);
    // Every refused message must leave its dead letter here: no cap within this test's minute
    // (the cap itself is tested in dead-letter-cap.test.ts and ingest-abuse.int.test.ts).
    deadLetterCap().setMax(1_000_000);
    intake = await Intake.start({ sql: db.sql, maxMessageBytes: 2048, maxBatchBytes: 256 * 1024, threads: 2 });
    broker = await startEmbeddedBroker({ intake, port: 0, tls: testBrokerTls() });
  });
  afterAll(async () => {
    deadLetterCap().setMax(1000);
    await broker?.close();
    await intake?.close();
    await db?.drop();
  });

  it(`survives ${MESSAGES} random and mutated messages, each accepted or dead-lettered, and the audit stays clean`, async () => {
    const rng = new Rng("ingest-fuzz");
    const k: Keyed[] = fx.keyed;
    const seq = new Map<string, number>();
    const valid: SignedEnvelope[] = [];
    const nextValid = () => {
      const d = k[rng.int(0, k.length - 1)];
      const s = (seq.get(d.id) ?? 0) + rng.int(1, 3);
      seq.set(d.id, s);
      const r = signed(d, s, Math.round(rng.range(0, 130) * 10) / 10);
      valid.push(r);
      return r;
    };
    const pick = () => (valid.length ? valid[rng.int(0, valid.length - 1)] : nextValid());
    const mutateBytes = (b: Uint8Array): Uint8Array => {
      const out = Array.from(b);
      const n = rng.int(1, 4);
      for (let i = 0; i < n && out.length; i++) {
        const at = rng.int(0, out.length - 1);
        const op = rng.int(0, 3);
        if (op === 0) out[at] ^= 1 << rng.int(0, 7);
        else if (op === 1) out.splice(at, 1);
        else if (op === 2) out.splice(at, 0, rng.int(0, 255));
        else out.length = at;
      }
      return new Uint8Array(out);
    };
    const structural = (): unknown => {
      const r: Record<string, unknown> = { ...nextValid() };
      const values = { ...(r.values as Record<string, unknown>) };
      switch (rng.int(0, 11)) {
        case 0: values.speedKmh = rng.pick([-1, 131, 1e308, "fast", null, true]); break;
        case 1: values[rng.pick(["colour", "__proto__", "constructor", "速度"])] = 1; break;
        case 2: r.seq = rng.pick([0, -1, 1.5, "7", 2 ** 53, null]); break;
        case 3: r.observedAt = rng.pick(["2026-05-01T00:00:00Z", "yesterday", new Date(Date.now() + 86_400_000).toISOString(), 0]); break;
        case 4: r.device = rng.pick(["trf-unknown", "", "x".repeat(300), "\u0000", 5]); break;
        case 5: r.dataset = rng.pick(["energy.load", "nope", ""]); break;
        case 6: r.signature = rng.pick(["", "AAAA", "!!!", r.signature + "="]); break;
        case 7: r.location = rng.pick([[200, 0], [0], "here", [NaN, 1]]); break;
        case 8: r.extra = { nested: [1, 2, 3] }; break;
        case 9: delete values.occupancy; break;
        case 10: values.segmentId = "\ud800 lone"; break;
        default: delete r.signature;
      }
      r.values = values;
      return r;
    };
    const garbage = (): Uint8Array => {
      const kind = rng.int(0, 5);
      if (kind === 0) return new Uint8Array(Array.from({ length: rng.int(0, 200) }, () => rng.int(0, 255)));
      if (kind === 1) return bytes("[".repeat(1500) + "]".repeat(1500));
      if (kind === 2) return bytes(rng.pick(["null", "true", "0", '""', "[]", "{}", "1e999", '{"a":']));
      if (kind === 3) return bytes("z".repeat(rng.int(2049, 6000))); // oversize
      if (kind === 4) return bytes(JSON.stringify({ ...pick(), values: "not an object" }));
      return bytes(JSON.stringify(pick()).replace(/"seq":\d+/, '"seq":1e400'));
    };

    const direct: Promise<Outcome>[] = [];
    const viaMqtt: { topic: string; payload: Uint8Array }[] = [];
    const batches: Promise<{ refused: Outcome | null; readings: Outcome[] }>[] = [];
    const src = { source: { transport: "http" as const, detail: "fuzz" } };
    for (let i = 0; i < MESSAGES; i++) {
      const roll = rng.next();
      let payload: Uint8Array;
      if (roll < 0.35) payload = bytes(nextValid());
      else if (roll < 0.45) {
        // A resend (a duplicate), or its seq signed again with another value: a replay once either is stored.
        const v = pick();
        const again = rng.chance(0.5) ? v : signed(k.find((x) => x.id === v.device)!, v.seq, (Number(v.values.speedKmh) + 1) % 130);
        payload = bytes(again);
      }
      else if (roll < 0.7) payload = mutateBytes(bytes(rng.chance(0.5) ? nextValid() : pick()));
      else if (roll < 0.9) payload = bytes(structural());
      else payload = garbage();
      if (rng.chance(0.15)) {
        // A device publishes only to its own topic (the broker refuses others: lib/mqtt/device-transport.int.test.ts).
        viaMqtt.push({ topic: readingsTopic("traffic", "traffic.flow"), payload });
      } else direct.push(intake.submitReading(payload, src));
      if (i % 100 === 99) {
        // A gateway batch now and then, sometimes tampered.
        const rs = Array.from({ length: rng.int(1, 15) }, () => nextValid());
        const b = gatewayBatch(fx.gateway, rs);
        if (rng.chance(0.3)) b.readings[0] = { ...b.readings[0], values: { ...b.readings[0].values, speedKmh: 1 } };
        if (rng.chance(0.1)) b.signature = b.signature.replace(/^./, (c) => (c === "A" ? "B" : "A"));
        batches.push(intake.submitGatewayBatch(bytes(b), src));
      }
    }
    // Over TLS, authenticated as one of the traffic sensors; the payloads carry any device's readings.
    const client = await connectDeviceAsync(broker.url, { device: k[0].id, sign: k[0].signer.sign, ca: broker.ca });
    await Promise.all(viaMqtt.map((m) => client.publishAsync(m.topic, Buffer.from(m.payload), { qos: 1 })));
    await client.endAsync();
    const outs = await Promise.all(direct);
    const bouts = await Promise.all(batches);

    for (const o of outs) {
      if (o.status === "accepted") expect(Number.isInteger(o.leafIndex)).toBe(true);
      else expect(Number.isInteger(o.deadLetterId) && o.reason.length > 0).toBe(true);
    }
    const batchOutcomes = bouts.reduce((n, b) => n + (b.refused ? 1 : b.readings.length), 0);
    const s = intake.stats();
    const refused = Object.values(s.refused).reduce((a, b) => a + b, 0);
    expect(s.accepted + s.duplicates + refused).toBe(outs.length + viaMqtt.length + batchOutcomes);
    const [{ n: readings }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading`);
    const [{ n: dead }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM dead_letter`);
    expect(Number(readings)).toBe(s.accepted);
    expect(Number(dead)).toBe(refused);
    expect(s.accepted).toBeGreaterThan(MESSAGES * 0.3);
    expect(Object.keys(s.refused)).toEqual(expect.arrayContaining(["malformed_json", "bad_signature", "replay", "schema", "oversize", "unknown_field", "out_of_range"]));
    const leaves = new Set(outs.filter((o) => o.status === "accepted" && !o.duplicate).map((o) => (o as { leafIndex: number }).leafIndex));
    expect(leaves.size).toBe(outs.filter((o) => o.status === "accepted" && !o.duplicate).length);

    // Still alive and taking readings.
    expect(await intake.submitReading(bytes(nextValid()), src)).toMatchObject({ status: "accepted" });
    const report = await integrateAndAudit(db);
    expect(report.discrepancies).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
