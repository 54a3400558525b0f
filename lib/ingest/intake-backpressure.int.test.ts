/**
 * Back-pressure: while storage is held up (another session holds the ledger's row lock, as a
 * slow disk or an overloaded database would), the intake takes messages until the bytes
 * waiting reach its bound, then answers "busy" (503) at once instead of holding more in
 * memory. When storage resumes, everything taken is stored and acknowledged, nothing lost.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "../testing/test-databases";
import { setDb } from "../db/client";
import { AppError } from "../errors";
import { Intake } from "./intake";
import { bytes, seedIngestFixture, signed, type Keyed } from "./testing/ingest-fixture";

const server = (await testTargets()).find((t) => t.name === "postgresql");
const ctx = { source: { transport: "http" as const, detail: "back-pressure test" } };

describe.skipIf(!server)("intake back-pressure on postgresql", () => {
  let db: Awaited<ReturnType<NonNullable<typeof server>["open"]>>;
  let intake: Intake;
  let k: Keyed[];
  beforeAll(async () => {
    db = await server!.open();
    setDb(db);
    k = (await seedIngestFixture(db)).keyed;
  });
  afterAll(async () => {
    await intake?.close();
    await db?.drop();
  });

  it("answers busy past the bound while storage waits, and stores all it took once storage resumes", async () => {
    const one = bytes(signed(k[0], 1)).length;
    // Room for four messages of this size, not five.
    intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 0, maxQueuedBytes: one * 4 + one / 2 });
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT * FROM ledger_state WHERE id = 1 FOR UPDATE");
      const taken = [1, 2, 3, 4].map((seq) => intake.submitReading(bytes(signed(k[0], seq)), ctx));
      await new Promise((r) => setTimeout(r, 200));
      // The first is in the writer's transaction, waiting for the lock; three wait behind it; all four count.
      expect(intake.stats().queued).toBe(3);
      expect(intake.stats().queuedBytes).toBe(one * 4);
      const refused = await intake.submitReading(bytes(signed(k[0], 5)), ctx).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).code).toBe("unavailable");
      expect((refused as AppError).userMessage).toBe("the intake is busy; retry later");
      await blocker.query("COMMIT");
      const outs = await Promise.all(taken);
      expect(outs.map((o) => o.status)).toEqual(["accepted", "accepted", "accepted", "accepted"]);
      expect(intake.stats().queuedBytes).toBe(0);
      // The refused one is taken once the queue has room, and stored after the others.
      expect((await intake.submitReading(bytes(signed(k[0], 5)), ctx)).status).toBe("accepted");
      const rows = await db.sql.query<{ seq: number }>(`SELECT seq FROM reading WHERE device_id = $1 ORDER BY leaf_index`, [k[0].id]);
      expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await blocker.end();
    }
  });
});
