import { describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { Intake } from "../ingest/intake";
import { seedIngestFixture, until } from "../ingest/testing/ingest-fixture";
import { startEmbeddedBroker } from "../mqtt/embedded-broker";
import { testBrokerTls } from "../mqtt/testing/test-tls";
import type { DeviceSigner } from "../sim/simulator-keys";
import { startSimLoop } from "./sim-loop";

// The simulator's devices connect as real devices do (issue 13): TLS, each on its own
// connection, client id and user name the device id, password a token signed with its key.

const [pglite] = (await testTargets()).filter((t) => t.name === "pglite") as TestTarget[];

describe.runIf(!!pglite)("the simulator over the device transport", () => {
  it("connects each device with TLS and its token; its readings are stored and nothing is refused", async () => {
    const db = await pglite.open();
    const fx = await seedIngestFixture(db, 12);
    const intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 0 });
    const broker = await startEmbeddedBroker({ intake, port: 0, tls: testBrokerTls() });
    const signers = new Map<string, DeviceSigner>(fx.keyed.map((k) => [k.id, k.signer]));
    const logs: string[] = [];
    const stop = startSimLoop({
      city: fx.city,
      seed: "sim-it",
      intervalMs: 200,
      signers,
      gateways: { gatewayOf: () => null, signers: new Map() },
      mqttUrl: broker.url,
      mqttCa: broker.ca,
      batchUrl: "http://127.0.0.1:9/unused",
      log: (m) => logs.push(m),
    });
    try {
      await until(
        async () => Number((await db.sql.query<{ n: number }>(`SELECT count(DISTINCT device_id)::int AS n FROM reading`))[0].n) === fx.keyed.length,
        30_000,
        "a reading of every keyed device",
      );
      const rows = await db.sql.query<{ device_id: string }>(`SELECT DISTINCT device_id FROM reading ORDER BY device_id`);
      expect(rows.map((r) => r.device_id)).toEqual(fx.keyed.map((k) => k.id).sort());
      expect(broker.refusals()).toEqual({});
      expect(logs.filter((m) => /MQTT/.test(m))).toEqual([]);
    } finally {
      await stop();
      await broker.close();
      await intake.close();
      await db.drop();
    }
  });
});
