/**
 * Issue 18: the embedded broker hands the readings that arrive in one turn of the event loop
 * to the intake as one entry (Intake.submitReadings), as an NDJSON request is. Each message is
 * still answered on its own: its PUBACK leaves only after its commit, a refused one is
 * dead-lettered alone, and a message whose commit fails fails alone while the others of its
 * entry are stored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MqttClient } from "mqtt";
import { testTargets, type TestTarget } from "../testing/test-databases";
import type { Sql, SqlTx } from "../db/sql";
import { Intake, type Outcome } from "../ingest/intake";
import { bytes, seedIngestFixture, signed, type Keyed } from "../ingest/testing/ingest-fixture";
import { startEmbeddedBroker, type EmbeddedBroker } from "./embedded-broker";
import { connectDeviceAsync } from "./device-client";
import { testBrokerTls } from "./testing/test-tls";
import { readingsTopic } from "./topics";

const targets = await testTargets();
const TOPIC = readingsTopic("traffic", "traffic.flow");

/**
 * A Sql whose transactions wait while `held` is set, and fail while they lock the row of the
 * device `poisoned` (a message the database cannot take, whatever is committed with it).
 */
function controlled(sql: Sql) {
  const state = { held: null as Promise<void> | null, poisoned: null as string | null, transactions: 0 };
  const wrapped: Sql = {
    ...sql,
    transaction: async (fn) => {
      if (state.held) await state.held;
      state.transactions++;
      return sql.transaction((tx) => {
        const t: SqlTx = {
          query: (text, params) => {
            if (state.poisoned && text.includes("FOR UPDATE") && JSON.stringify(params ?? []).includes(state.poisoned)) return Promise.reject(new Error("injected commit failure"));
            return tx.query(text, params);
          },
          exec: (text) => tx.exec(text),
          copyIn: (...a) => tx.copyIn(...a),
        };
        return fn(t);
      });
    },
  };
  return { sql: wrapped, state };
}

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("readings of one turn as one intake entry on %s", (_name, target) => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let k: Keyed[];
  let intake: Intake;
  let broker: EmbeddedBroker;
  let client: MqttClient;
  let state: ReturnType<typeof controlled>["state"];
  const readingSeqs = async (device: string) =>
    (await db.sql.query<{ seq: number }>(`SELECT seq FROM reading WHERE device_id = $1 ORDER BY leaf_index`, [device])).map((r) => Number(r.seq));
  const deadReasons = async (device: string) => (await db.sql.query<{ reason: string }>(`SELECT reason FROM dead_letter WHERE device_id = $1 ORDER BY id`, [device])).map((r) => r.reason);

  beforeAll(async () => {
    db = await target.open();
    k = (await seedIngestFixture(db)).keyed;
    const c = controlled(db.sql);
    state = c.state;
    intake = await Intake.start({ sql: c.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 1 });
    broker = await startEmbeddedBroker({ intake, port: 0, tls: testBrokerTls() });
    client = await connectDeviceAsync(broker.url, { device: k[0].id, sign: k[0].signer.sign, ca: broker.ca });
  });
  afterAll(async () => {
    await client?.endAsync(true).catch(() => {});
    await broker?.close();
    await intake?.close();
    await db?.drop();
  });

  it("gives each message of a burst its PUBACK only after its commit, and dead-letters a bad one alone", async () => {
    let release!: () => void;
    state.held = new Promise<void>((r) => (release = r));
    const acked: number[] = [];
    const forged = { ...signed(k[1], 1), signature: signed(k[2], 1).signature };
    const burst = [signed(k[0], 1), signed(k[0], 2), forged, signed(k[1], 2), signed(k[0], 3)];
    // Published together: the client writes them at once, the broker reads them in one or a few turns.
    const pubs = burst.map((v, i) => client.publishAsync(TOPIC, Buffer.from(bytes(v)), { qos: 1 }).then(() => void acked.push(i)));
    await new Promise((r) => setTimeout(r, 300));
    // Storage is held: nothing is acknowledged, nothing stored.
    expect(acked).toEqual([]);
    expect(await readingSeqs(k[0].id)).toEqual([]);
    release();
    state.held = null;
    await Promise.all(pubs);
    expect(acked.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await readingSeqs(k[0].id)).toEqual([1, 2, 3]);
    expect(await readingSeqs(k[1].id)).toEqual([2]);
    expect(await deadReasons(k[1].id)).toEqual(["bad_signature"]);
    expect(intake.stats().queued).toBe(0);
    expect(intake.stats().queuedBytes).toBe(0);
  });

  it("over MQTT, a burst whose commit fails: the message at fault is dead-lettered alone, the others are stored, each acknowledged after its commit", async () => {
    const c = await connectDeviceAsync(broker.url, { device: k[6].id, sign: k[6].signer.sign, ca: broker.ca });
    try {
      let release!: () => void;
      state.held = new Promise<void>((r) => (release = r));
      const acked: number[] = [];
      const burst = [signed(k[6], 1), signed(k[7], 1), signed(k[6], 2), signed(k[8], 1)];
      const pubs = burst.map((v, i) => c.publishAsync(TOPIC, Buffer.from(bytes(v)), { qos: 1 }).then(() => void acked.push(i)));
      await new Promise((r) => setTimeout(r, 300));
      expect(acked).toEqual([]);
      state.poisoned = k[7].id;
      const before = state.transactions;
      release();
      state.held = null;
      await Promise.all(pubs);
      state.poisoned = null;
      expect(state.transactions - before).toBeGreaterThan(2);
      expect(acked.sort()).toEqual([0, 1, 2, 3]);
      expect(await readingSeqs(k[6].id)).toEqual([1, 2]);
      expect(await readingSeqs(k[8].id)).toEqual([1]);
      expect(await readingSeqs(k[7].id)).toEqual([]);
      expect(await deadReasons(k[7].id)).toEqual(["internal"]);
      expect(c.connected).toBe(true);
    } finally {
      state.poisoned = null;
      await c.endAsync(true).catch(() => {});
    }
  });

  it("splits an entry whose commit fails: the message at fault is dead-lettered alone, the others are stored", async () => {
    const ctx = { source: { transport: "mqtt" as const, detail: `${TOPIC} from the test` }, topicDepartment: "traffic", topicDataset: "traffic.flow" };
    const raws = [bytes(signed(k[3], 1)), bytes(signed(k[4], 1)), bytes(signed(k[5], 1)), bytes("{ not json"), bytes(signed(k[3], 2))];
    const before = state.transactions;
    state.poisoned = k[4].id;
    const outs = await new Promise<(Outcome | Error)[]>((resolve) => {
      const got: (Outcome | Error)[] = new Array(raws.length);
      let left = raws.length;
      intake.submitReadings(raws, raws.map(() => ctx), (i, o, e) => {
        got[i] = o ?? e!;
        if (--left === 0) resolve(got);
      });
    });
    state.poisoned = null;
    expect(outs.map((o) => (o instanceof Error ? o.message : o.status === "accepted" ? `accepted ${o.device} ${o.seq}` : `refused ${o.reason}`))).toEqual([
      `accepted ${k[3].id} 1`,
      "refused internal",
      `accepted ${k[5].id} 1`,
      "refused malformed_json",
      `accepted ${k[3].id} 2`,
    ]);
    // One commit for the entry, then the halves and the poisoned message (twice) and its dead letter.
    expect(state.transactions - before).toBeGreaterThan(2);
    expect(await readingSeqs(k[3].id)).toEqual([1, 2]);
    expect(await readingSeqs(k[5].id)).toEqual([1]);
    expect(await readingSeqs(k[4].id)).toEqual([]);
    expect(await deadReasons(k[4].id)).toEqual(["internal"]);
    expect(intake.stats().queuedBytes).toBe(0);
  });
});
