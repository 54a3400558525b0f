import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { Intake } from "../ingest/intake";
import { seedIngestFixture, until } from "../ingest/testing/ingest-fixture";
import { startEmbeddedBroker } from "../mqtt/embedded-broker";
import { testBrokerTls } from "../mqtt/testing/test-tls";
import { refreshRollup } from "../map/rollup";
import { backfillProgress } from "../sim";
import type { DeviceSigner } from "../sim/simulator-keys";
import { startSimLoop } from "./sim-loop";
import { openSimBackfill } from "./sim-backfill";

// The simulator's backfill (issue 15) through the real intake: half the devices publish over
// MQTT (TLS, their own connections), half hand their readings to a gateway that POSTs signed
// batches; history rides after the live readings with higher seqs, nothing is refused, live
// readings keep arriving, and a second start continues below what the first one sent.

const [pglite] = (await testTargets()).filter((t) => t.name === "pglite") as TestTarget[];
const STEP = 300_000;

describe.runIf(!!pglite)("the simulator's backfill through the intake", () => {
  it("fills the window with one reading per device per 5 minutes, refuses nothing, keeps live readings flowing and resumes without duplicates", async () => {
    const db = await pglite.open();
    const fx = await seedIngestFixture(db, 12);
    const intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 22, threads: 0 });
    const broker = await startEmbeddedBroker({ intake, port: 0, tls: testBrokerTls() });
    const refusedInBatches: unknown[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void intake.submitGatewayBatch(new Uint8Array(Buffer.concat(chunks)), { source: { transport: "http", detail: "it" } }).then((r) => {
          if (r.refused) refusedInBatches.push(r.refused);
          refusedInBatches.push(...r.readings.filter((o) => o.status === "refused"));
          res.writeHead(r.refused ? 400 : 200, { "content-type": "application/json" }).end("{}");
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const batchUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ingest/batch`;
    const signers = new Map<string, DeviceSigner>(fx.keyed.map((k) => [k.id, k.signer]));
    const viaGateway = new Set(fx.keyed.filter((_, i) => i % 2 === 0).map((k) => k.id));
    const logs: string[] = [];
    const loop = (hours: number) =>
      startSimLoop({
        city: fx.city,
        seed: "backfill-it",
        intervalMs: 250,
        signers,
        gateways: { gatewayOf: (d) => (viaGateway.has(d.id) ? fx.gateway.id : null), signers: new Map([[fx.gateway.id, fx.gateway.signer]]) },
        mqttUrl: broker.url,
        mqttCa: broker.ca,
        batchUrl,
        log: (m) => logs.push(m),
        backfill: { delayMs: 500, maxSlots: 2, open: () => openSimBackfill({ sql: db.sql, city: fx.city, seed: "backfill-it", hours, log: (m) => logs.push(m) }) },
      });
    const count = async (where: string, params: unknown[] = []) => Number((await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM reading WHERE ${where}`, params))[0].n);
    // Live readings are dated to the whole second of their tick.
    const started = Math.floor(Date.now() / 1000) * 1000;
    let stop = loop(0.5);
    try {
      await until(async () => backfillProgress().state === "done", 60_000, "the first backfill to finish");
      const first = backfillProgress();
      // 30 minutes before the first live readings: 6 slots (5 or 6 by where the window starts) per device.
      expect(first.total).toBeGreaterThanOrEqual(12 * 5);
      expect(first.total).toBeLessThanOrEqual(12 * 7);
      expect(first.sent).toBe(first.total);
      expect(await count(`observed_at < $1`, [new Date(started)])).toBe(first.total);
      // Every past reading sits on a 5-minute slot, one per device and slot.
      expect(await count(`observed_at < $1 AND extract(epoch FROM observed_at)::int8 % 300 <> 0`, [new Date(started)])).toBe(0);
      // Live readings kept arriving after the backfill (each device reports every 30 s).
      const liveNow = await count(`observed_at >= $1`, [new Date(started)]);
      expect(liveNow).toBeGreaterThanOrEqual(12);
      await until(async () => (await count(`observed_at >= $1`, [new Date(started)])) > liveNow, 40_000, "more live readings after the backfill");
      await stop();

      // A second start asking for an hour continues below the oldest slot sent. A console
      // restart takes seconds; this one waits for the next whole second, since a fresh loop
      // within the same second would date its first live reading below the seqs the last
      // tick's history took (the intake refuses it as a replay).
      await nextSecond();
      stop = loop(1);
      await until(async () => backfillProgress().state === "done" && backfillProgress().hours === 1, 60_000, "the second backfill to finish");
      const second = backfillProgress();
      expect(Date.parse(second.reachedBack!)).toBeLessThan(Date.parse(first.reachedBack!));
      expect(await count(`observed_at < $1`, [new Date(started)])).toBe(first.total + second.total);
      // No history slot twice (live readings of ticks 250 ms apart share their whole second).
      const dup = await db.sql.query(`SELECT device_id, observed_at FROM reading WHERE observed_at < $1 GROUP BY 1, 2 HAVING count(*) > 1`, [new Date(started)]);
      expect(dup).toEqual([]);
      // The hour is full: every device has a reading in every slot from the window's start to its first live one.
      const perDevice = await db.sql.query<{ device_id: string; n: number; oldest: Date }>(
        `SELECT device_id, count(*)::int AS n, min(observed_at) AS oldest FROM reading WHERE observed_at < $1 GROUP BY 1`,
        [new Date(started)],
      );
      expect(perDevice.length).toBe(12);
      for (const d of perDevice) expect(new Date(d.oldest).getTime()).toBe(Math.ceil((Date.parse(second.to!) - 3_600_000) / STEP) * STEP);
      await stop();

      // A third start has nothing to send.
      await nextSecond();
      stop = loop(1);
      await until(async () => logs.some((m) => m.includes("already stored")), 20_000, "the third start to find nothing to send");
      expect(await count(`observed_at < $1`, [new Date(started)])).toBe(first.total + second.total);

      // Nothing was refused, by either transport.
      expect(refusedInBatches).toEqual([]);
      expect(broker.refusals()).toEqual({});
      expect(Number((await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM dead_letter`))[0].n)).toBe(0);
      // The map's rollup has every 5-minute bucket of the hour.
      await refreshRollup(db.sql, fx.city);
      const buckets = await db.sql.query<{ n: number }>(
        `SELECT count(DISTINCT bucket)::int AS n FROM map_bucket_total WHERE dataset_id = 'traffic.flow' AND bucket >= $1 AND bucket < $2`,
        [new Date(Date.parse(second.to!) - 3_600_000 + STEP), new Date(started - STEP)],
      );
      expect(buckets[0].n).toBeGreaterThanOrEqual(10);
    } finally {
      await stop();
      await broker.close();
      await intake.close();
      await new Promise((r) => server.close(r));
      await db.drop();
    }
  }, 180_000);
});

/** Waits until the clock has passed the next whole second. */
function nextSecond(): Promise<void> {
  return new Promise((r) => setTimeout(r, 1050 - (Date.now() % 1000)));
}
