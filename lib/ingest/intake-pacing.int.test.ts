/**
 * Group commit pacing (INGEST_COMMIT_INTERVAL_MS): a message after a quiet spell is stored at
 * once; a steady trickle is stored in few transactions, each message acknowledged only after
 * its own is committed; enough readings ready start a transaction without waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "../testing/test-databases";
import { setDb } from "../db/client";
import { Intake } from "./intake";
import { bytes, seedIngestFixture, signed, type Keyed } from "./testing/ingest-fixture";

const ctx = { source: { transport: "http" as const, detail: "pacing test" } };
const INTERVAL_MS = 1000;

describe.each(await testTargets())("intake commit pacing on $name", (target) => {
  let db: Awaited<ReturnType<typeof target.open>>;
  let intake: Intake;
  let k: Keyed[];
  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    k = (await seedIngestFixture(db)).keyed;
    intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 0, commitIntervalMs: INTERVAL_MS, commitMinGroup: 8 });
  });
  afterAll(async () => {
    await intake?.close();
    await db?.drop();
  });
  const stored = async (device: string) => (await db.sql.query<{ seq: string }>(`SELECT seq FROM reading WHERE device_id = $1 ORDER BY seq`, [device])).map((r) => Number(r.seq));

  it("stores a message after a quiet spell at once, and a trickle in one paced transaction", async () => {
    const t0 = performance.now();
    expect((await intake.submitReading(bytes(signed(k[0], 1)), ctx)).status).toBe("accepted");
    expect(performance.now() - t0).toBeLessThan(INTERVAL_MS);
    const commits = intake.stats().commits;
    // Five messages 20 ms apart, well inside one interval after the first commit started.
    const trickle: Promise<{ status: string }>[] = [];
    for (let seq = 2; seq <= 6; seq++) {
      trickle.push(intake.submitReading(bytes(signed(k[0], seq)), ctx));
      await new Promise((r) => setTimeout(r, 20));
    }
    // Not acknowledged before their commit: none is stored yet while the interval runs.
    expect(await stored(k[0].id)).toEqual([1]);
    expect((await Promise.all(trickle)).map((o) => o.status)).toEqual(Array(5).fill("accepted"));
    expect(await stored(k[0].id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(intake.stats().commits - commits).toBe(1);
  });

  it("starts a transaction without waiting once commitMinGroup readings are ready", async () => {
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
    expect((await intake.submitReading(bytes(signed(k[1], 1)), ctx)).status).toBe("accepted");
    // Right after a commit: eight readings in one request are enough to go at once.
    const t0 = performance.now();
    const lines = [2, 3, 4, 5, 6, 7, 8, 9].map((seq) => JSON.stringify(signed(k[1], seq))).join("\n");
    const outs = await intake.submitNdjson(bytes(lines), ctx);
    expect(outs.map((o) => o.status)).toEqual(Array(8).fill("accepted"));
    expect(performance.now() - t0).toBeLessThan(INTERVAL_MS);
    expect(await stored(k[1].id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
