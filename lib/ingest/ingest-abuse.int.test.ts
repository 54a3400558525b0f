/**
 * Ingest abuse over HTTP through the route handler: junk NDJSON makes one dead letter per
 * request that counts its lines (readings refused inside an accepted request keep their own
 * when alone), an address whose requests are refused whole is answered 429 with Retry-After,
 * and past the cap on dead letters per minute refusals are answered but dropped and counted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "../testing/test-databases";
import { setDb } from "../db/client";
import { Intake } from "./intake";
import { setIntake } from "./intake-instance";
import { IntakeLimiter } from "./intake-limiter";
import { deadLetterCap } from "./dead-letter-cap";
import { parseTrustedProxies, PEER_HEADER } from "../http/client-address";
import { seedIngestFixture, signed, type Keyed } from "./testing/ingest-fixture";
import { listDeadLetters } from "./list-dead-letters";
import * as batchRoute from "@/app/api/ingest/batch/route";

const [target] = await testTargets();
const post = (body: string, peer: string, xff?: string) =>
  batchRoute.POST(
    new Request("http://127.0.0.1:3000/api/ingest/batch", {
      method: "POST",
      headers: { "content-type": "application/x-ndjson", [PEER_HEADER]: peer, ...(xff ? { "x-forwarded-for": xff } : {}) },
      body,
    }),
  );

describe(`ingest abuse on ${target.name}`, () => {
  let db: Awaited<ReturnType<typeof target.open>>;
  let intake: Intake;
  let k: Keyed[];
  const deadCount = async () => Number((await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM dead_letter`))[0].n);

  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    k = (await seedIngestFixture(db)).keyed;
    intake = await Intake.start({ sql: db.sql, maxMessageBytes: 4096, maxBatchBytes: 1 << 20, threads: 0 });
    setIntake(intake);
    (globalThis as Record<symbol, unknown>)[Symbol.for("city-brain.intake-limiter")] = { limiter: new IntakeLimiter(3), trusted: parseTrustedProxies("") };
  });
  afterAll(async () => {
    await intake?.close();
    setIntake(null);
    delete (globalThis as Record<symbol, unknown>)[Symbol.for("city-brain.intake-limiter")];
    deadLetterCap().setMax(1000);
    await db?.drop();
  });

  it("2,000 junk lines make one dead letter that counts them; good lines beside them are stored", async () => {
    const before = await deadCount();
    const junk = Array.from({ length: 2000 }, (_, i) => `{"junk":${i}`).join("\n");
    const res = await post(`${JSON.stringify(signed(k[0], 1))}\n${junk}\n`, "198.51.100.1");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accepted: number; refused: number; results: { status: string; deadLetterId?: number | null }[] };
    expect(body).toMatchObject({ accepted: 1, refused: 2000 });
    expect(await deadCount()).toBe(before + 1);
    const ids = new Set(body.results.filter((r) => r.status === "refused").map((r) => r.deadLetterId));
    expect(ids.size).toBe(1);
    const [row] = await db.sql.query<{ reason: string; reason_text: string; field_path: string }>(`SELECT reason, reason_text, field_path FROM dead_letter WHERE id = $1`, [[...ids][0]]);
    expect(row.reason).toBe("malformed_json");
    expect(row.reason_text).toMatch(/^2000 of 2001 lines refused \(2000 malformed_json\); line 2: /);
    expect(row.field_path).toMatch(/^line 2/);
  });

  it("a single refused line keeps its own dead letter and reason", async () => {
    const res = await post(`${JSON.stringify({ ...signed(k[1], 1), signature: signed(k[2], 1).signature })}\n`, "198.51.100.2");
    const body = (await res.json()) as { results: { status: string; reason: string; deadLetterId: number }[] };
    expect(body.results[0]).toMatchObject({ status: "refused", reason: "bad_signature" });
    const [row] = await db.sql.query<{ reason: string }>(`SELECT reason FROM dead_letter WHERE id = $1`, [body.results[0].deadLetterId]);
    expect(row.reason).toBe("bad_signature");
  });

  it("an address refused whole too often gets 429 with Retry-After; a forged X-Forwarded-For does not help, others are unaffected", async () => {
    const statuses: number[] = [];
    let retry: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await post("not json\nnor this\n", "203.0.113.77", `192.0.2.${i}`);
      statuses.push(res.status);
      if (res.status === 429) retry = res.headers.get("retry-after");
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retry)).toBeGreaterThanOrEqual(1);
    expect((await post(`${JSON.stringify(signed(k[3], 1))}\n`, "203.0.113.78")).status).toBe(200);
  });

  it("past the cap, refusals are answered but not kept, and the count shows with the dead letters", async () => {
    deadLetterCap().setMax(1);
    const dropped0 = deadLetterCap().dropped().count;
    const before = await deadCount();
    // A fresh minute may or may not have begun: send until one is dropped.
    for (let i = 0; i < 3; i++) await post(`{"bad":${i}\n`, `198.51.100.${50 + i}`);
    expect(await deadCount()).toBeLessThanOrEqual(before + 1);
    expect(deadLetterCap().dropped().count).toBeGreaterThanOrEqual(dropped0 + 2);
    const list = await listDeadLetters({ viewer: { kind: "user", userId: "u", departmentId: "traffic", role: "sysadmin" } });
    expect(list.dropped.count).toBe(deadLetterCap().dropped().count);
  });
});
