import { brokerProblem } from "./testing/broker-problem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type MqttClient } from "mqtt";
import { Aedes } from "aedes";
import net from "node:net";
import { testTargets, type TestTarget } from "../testing/test-databases";
import type { Sql } from "../db/sql";
import { Intake } from "../ingest/intake";
import { unsafeRevokeDeviceKey } from "../devices/change-device-key";
import { bytes, freePort, integrateAndAudit, seedIngestFixture, signed, until, type Keyed } from "../ingest/testing/ingest-fixture";
import { discardExternalSessions, startExternalIntake, type ExternalIntake } from "./external-intake";
import { readingsTopic } from "./topics";

const MQTT_URL = process.env.TEST_MQTT_URL || "mqtt://127.0.0.1:1883";

const problem = await brokerProblem(MQTT_URL);
if (problem) {
  const why = `Mosquitto at ${MQTT_URL} not reachable (${problem})`;
  if (process.env.CI === "true") throw new Error(`${why}: CI requires it`);
  console.warn(`skipping Mosquitto integration cases: ${why}`);
}
const [pglite] = await testTargets().then((t) => t.filter((x) => x.name === "pglite"));

/** A Sql whose transactions fail while `failing` is above zero (each failure counts down). */
function flaky(sql: Sql) {
  const state = { failing: 0 };
  const wrapped: Sql = {
    ...sql,
    transaction: (fn) => {
      if (state.failing > 0) {
        state.failing--;
        return Promise.reject(new Error("injected commit failure"));
      }
      return sql.transaction(fn);
    },
  };
  return { sql: wrapped, state };
}

describe.skipIf(!!problem)("intake subscribed to the machine's Mosquitto", () => {
  let db: Awaited<ReturnType<TestTarget["open"]>>;
  let k: Keyed[];
  let intake: Intake;
  let ext: ExternalIntake;
  let pub: MqttClient;
  let fail: { failing: number };
  const clientId = `city-brain-it-${process.pid}-${Date.now() % 100000}`;
  const count = async (sqlText: string, params: unknown[]) => Number((await db.sql.query<{ n: number }>(sqlText, params))[0].n);

  beforeAll(async () => {
    db = await pglite.open();
    const fx = await seedIngestFixture(db);
    k = fx.keyed;
    const f = flaky(db.sql);
    fail = f.state;
    intake = await Intake.start({ sql: f.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 1 });
    ext = startExternalIntake({ intake, url: MQTT_URL, clientId });
    await until(async () => ext.connected(), 10_000, "the intake to connect");
    await new Promise((r) => setTimeout(r, 300)); // SUBACK
    pub = await mqtt.connectAsync(MQTT_URL, { clientId: `${clientId}-pub`, clean: true });
  });
  afterAll(async () => {
    await pub?.endAsync(true).catch(() => {});
    await ext?.close().catch(() => {});
    // Discard the persistent sessions on the shared broker.
    await discardExternalSessions(MQTT_URL, clientId);
    await intake?.close();
    await db?.drop();
  });

  it("stores signed readings and dead-letters forged, replayed, revoked and unknown ones", async () => {
    await unsafeRevokeDeviceKey(db.sql, { device: k[3].id, reason: "test" });
    const topic = readingsTopic("traffic", "traffic.flow");
    const send = (v: unknown) => pub.publishAsync(topic, Buffer.from(bytes(v)), { qos: 1 });
    await send(signed(k[0], 1));
    await send(signed(k[0], 2));
    await send(signed(k[0], 2)); // resend
    await send(signed(k[0], 2, 60)); // replay
    await send({ ...signed(k[1], 1), signature: signed(k[2], 1).signature }); // forged
    await send(signed(k[3], 1)); // revoked
    await send({ ...signed(k[4], 1), device: "trf-nobody" });
    await pub.publishAsync("city/traffic/readings", Buffer.from(bytes(signed(k[4], 2))), { qos: 1 }); // not an intake topic
    await until(async () => (await count(`SELECT count(*)::int AS n FROM dead_letter`, [])) >= 5, 15_000, "the dead letters");
    await until(async () => (await count(`SELECT count(*)::int AS n FROM reading WHERE device_id = $1`, [k[0].id])) === 2, 15_000, "the readings");
    const dead = await db.sql.query<{ reason: string; device_id: string; field_path: string }>(`SELECT reason, device_id, field_path FROM dead_letter ORDER BY id`);
    expect(dead.filter((d) => d.device_id).map((d) => `${d.device_id} ${d.reason}`)).toEqual([`${k[0].id} replay`, `${k[1].id} bad_signature`, `${k[3].id} revoked_key`, `trf-nobody unknown_device`]);
    expect(dead.filter((d) => !d.device_id).map((d) => `${d.reason} ${d.field_path}`)).toEqual(["schema topic"]);
    expect(intake.stats().duplicates).toBe(1);
  });

  it("does not acknowledge a message it could not store; the broker redelivers it after the reconnect", async () => {
    fail.failing = 3; // the commit, its retry and the dead-letter fallback all fail once
    await pub.publishAsync(readingsTopic("traffic", "traffic.flow"), Buffer.from(bytes(signed(k[5], 1))), { qos: 1 });
    await until(async () => (await count(`SELECT count(*)::int AS n FROM reading WHERE device_id = $1`, [k[5].id])) === 1, 20_000, "the redelivered reading");
    expect(fail.failing).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM dead_letter WHERE device_id = $1`, [k[5].id])).toBe(0);
    const report = await integrateAndAudit(db);
    expect(report.discrepancies).toEqual([]);
  });
});

describe.runIf(!!pglite)("intake subscribed to an external broker that restarts", () => {
  it("reconnects with backoff and resumes", async () => {
    const db = await pglite.open();
    const { keyed } = await seedIngestFixture(db, 4);
    const intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 0 });
    const port = await freePort();
    const startBroker = async () => {
      const b = await Aedes.createBroker();
      const s = net.createServer((c) => {
        sockets.add(c);
        c.on("close", () => sockets.delete(c));
        (b.handle as (s: net.Socket) => void)(c);
      });
      await new Promise<void>((r) => s.listen(port, "127.0.0.1", () => r()));
      return { close: async () => { await new Promise<void>((r) => b.close(() => r())); await new Promise<void>((r) => { s.close(() => r()); for (const c of sockets) c.destroy(); }); } };
    };
    const sockets = new Set<net.Socket>();
    let broker = await startBroker();
    const url = `mqtt://127.0.0.1:${port}`;
    const ext = startExternalIntake({ intake, url, clientId: "it-restart" });
    try {
      await until(async () => ext.connected(), 10_000, "connect");
      await new Promise((r) => setTimeout(r, 200));
      const publish = async (v: unknown) => {
        const c = await mqtt.connectAsync(url, { clientId: `p-${Math.random()}`, reconnectPeriod: 0 });
        await c.publishAsync(readingsTopic("traffic", "traffic.flow"), Buffer.from(bytes(v)), { qos: 1 });
        await c.endAsync(true);
      };
      await publish(signed(keyed[0], 1));
      await until(async () => (await db.sql.query(`SELECT 1 FROM reading WHERE device_id = $1`, [keyed[0].id])).length === 1, 10_000, "first reading");
      await broker.close();
      await until(async () => !ext.connected(), 10_000, "disconnect");
      broker = await startBroker();
      await until(async () => ext.connected(), 15_000, "reconnect");
      await new Promise((r) => setTimeout(r, 200));
      await publish(signed(keyed[0], 2));
      await until(async () => (await db.sql.query(`SELECT 1 FROM reading WHERE device_id = $1`, [keyed[0].id])).length === 2, 10_000, "reading after restart");
    } finally {
      await ext.close().catch(() => {});
      await broker.close().catch(() => {});
      await intake.close();
      await db.drop();
    }
  });
});
