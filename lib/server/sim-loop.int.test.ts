import net from "node:net";
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

/**
 * A database with 12 keyed traffic sensors, the intake and its embedded broker, and the
 * simulator's devices publishing to it (through `via`, given the broker's port, if set).
 */
async function simOverMqtt(via?: (brokerPort: number) => Promise<number>) {
  const db = await pglite.open();
  const fx = await seedIngestFixture(db, 12);
  const intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 0 });
  const broker = await startEmbeddedBroker({ intake, port: 0, tls: testBrokerTls() });
  const url = new URL(broker.url);
  if (via) url.port = String(await via(Number(url.port)));
  const logs: string[] = [];
  const stop = startSimLoop({
    city: fx.city,
    seed: "sim-it",
    intervalMs: 200,
    signers: new Map<string, DeviceSigner>(fx.keyed.map((k) => [k.id, k.signer])),
    gateways: { gatewayOf: () => null, signers: new Map() },
    mqttUrl: url.toString(),
    mqttCa: broker.ca,
    batchUrl: "http://127.0.0.1:9/unused",
    log: (m) => logs.push(m),
  });
  return {
    db,
    fx,
    broker,
    logs,
    async close() {
      await stop();
      await broker.close();
      await intake.close();
      await db.drop();
    },
  };
}

describe.runIf(!!pglite)("the simulator over the device transport", () => {
  it("connects each device with TLS and its token; its readings are stored and nothing is refused", async () => {
    const { db, fx, broker, logs, close } = await simOverMqtt();
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
      await close();
    }
  });

  it("a device whose connection is still opening does not hold a reading: what it sends once connected is fresh", async () => {
    // A slow network in front of the broker: each connection reaches it only after CONNECT_DELAY_MS
    // (at a fresh start of the default city, 1,120 devices open their TLS connections 16 at a time
    // for about 20 s).
    const CONNECT_DELAY_MS = 3000;
    const sockets = new Set<net.Socket>();
    let proxy: net.Server | null = null;
    const { db, fx, broker, close } = await simOverMqtt(async (brokerPort) => {
      proxy = net.createServer((client) => {
        sockets.add(client);
        client.pause();
        setTimeout(() => {
          const upstream = net.connect(brokerPort, "127.0.0.1", () => {
            client.pipe(upstream).pipe(client);
            client.resume();
          });
          sockets.add(upstream);
          const end = () => (client.destroy(), upstream.destroy());
          upstream.on("error", end).on("close", end);
          client.on("error", end).on("close", end);
        }, CONNECT_DELAY_MS);
      });
      await new Promise<void>((r) => proxy!.listen(0, "127.0.0.1", r));
      return (proxy.address() as net.AddressInfo).port;
    });
    // When each device's first reading was first seen stored, against when it was observed.
    const lagMs = new Map<string, number>();
    try {
      await until(
        async () => {
          const rows = await db.sql.query<{ device_id: string; o: Date }>(`SELECT device_id, min(observed_at) AS o FROM reading GROUP BY device_id`);
          for (const r of rows) if (!lagMs.has(r.device_id)) lagMs.set(r.device_id, Date.now() - new Date(r.o).getTime());
          return lagMs.size === fx.keyed.length;
        },
        30_000,
        "a reading of every keyed device",
      );
      // Held while connecting, the first readings were CONNECT_DELAY_MS old or older when stored.
      const stale = [...lagMs].filter(([, ms]) => ms >= CONNECT_DELAY_MS / 2);
      expect(stale, `first readings stored ${CONNECT_DELAY_MS / 2} ms or more after their observation`).toEqual([]);
      expect(broker.refusals()).toEqual({});
    } finally {
      for (const s of sockets) s.destroy();
      await close();
      await new Promise((r) => proxy?.close(r));
    }
  });
});
