/**
 * GET /api/metrics through its route handler: off (404) without METRICS_TOKEN, 401 without a
 * bearer token, 403 with a wrong one; with the right one, the process's own figures in the
 * Prometheus text format, which the soak parses back.
 */
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets } from "../testing/test-databases";
import { setDb, type Db } from "../db/client";
import { parseMetrics, startProcessMetrics } from "./process-metrics";
import * as metricsRoute from "@/app/api/metrics/route";

const [target] = await testTargets();
const TOKEN = "metrics-token-for-the-test-0123456789";
const get = (authorization?: string) =>
  metricsRoute.GET(new Request("http://127.0.0.1:3000/api/metrics", { headers: authorization ? { authorization } : {} }));

describe(`GET /api/metrics on ${target.name}`, () => {
  let db: Db & { drop(): Promise<void> };
  const before = process.env.METRICS_TOKEN;
  beforeAll(async () => {
    db = await target.open();
    setDb(db);
    startProcessMetrics();
  });
  afterAll(async () => {
    if (before === undefined) delete process.env.METRICS_TOKEN;
    else process.env.METRICS_TOKEN = before;
    await db?.drop();
  });

  it("is off without METRICS_TOKEN, and refuses a missing or wrong token with what to send", async () => {
    delete process.env.METRICS_TOKEN;
    const off = await get(`Bearer ${TOKEN}`);
    expect(off.status).toBe(404);
    expect((await off.json()).error.message).toContain("set METRICS_TOKEN");
    process.env.METRICS_TOKEN = TOKEN;
    const none = await get();
    expect(none.status).toBe(401);
    expect((await none.json()).error.message).toBe("send Authorization: Bearer <METRICS_TOKEN>");
    const wrong = await get(`Bearer ${TOKEN}x`);
    expect(wrong.status).toBe(403);
    expect((await wrong.json()).error.message).toBe("the metrics token does not match METRICS_TOKEN");
  });

  it("gives memory, heap, event-loop delay, database size and the log's counts", async () => {
    process.env.METRICS_TOKEN = TOKEN;
    await new Promise((r) => setTimeout(r, 50)); // some event-loop samples
    const res = await get(`Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toContain("# TYPE process_resident_memory_bytes gauge");
    const m = parseMetrics(text);
    expect(m.get("process_resident_memory_bytes")).toBeGreaterThan(m.get("nodejs_heap_used_bytes")!);
    expect(m.get("nodejs_heap_used_bytes")).toBeGreaterThan(1_000_000);
    const [{ size }] = await db.sql.query<{ size: string }>(`SELECT pg_database_size(current_database())::text AS size`);
    // The database's own size, within what one more page may add between the two reads.
    expect(Math.abs(m.get("citybrain_database_bytes")! - Number(size))).toBeLessThan(1_000_000);
    expect(m.get("citybrain_ledger_entries")).toBe(0);
    expect(m.get('nodejs_eventloop_delay_seconds{quantile="0.99"}')).toBeGreaterThan(0);
    expect(m.get('nodejs_eventloop_delay_seconds{quantile="1"}')).toBeGreaterThanOrEqual(m.get('nodejs_eventloop_delay_seconds{quantile="0.5"}')!);
  });

  it("gives the heap after the last full collection, and the embedded engine's memory", async () => {
    process.env.METRICS_TOKEN = TOKEN;
    v8.setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const before = parseMetrics(await (await get(`Bearer ${TOKEN}`)).text()).get("nodejs_major_gc_total") ?? 0;
    gc();
    await new Promise((r) => setTimeout(r, 50)); // the gc observer is called after the collection
    const m = parseMetrics(await (await get(`Bearer ${TOKEN}`)).text());
    expect(m.get("nodejs_major_gc_total")).toBeGreaterThan(before);
    const after = m.get("nodejs_heap_after_major_gc_bytes")!;
    expect(after).toBeGreaterThan(1_000_000);
    expect(after).toBeLessThanOrEqual(m.get("nodejs_heap_total_bytes")!);
    if (db.sql.mode === "embedded") {
      // PGlite's wasm memory is reserved address space of this process; what of it is touched is resident.
      expect(m.get("citybrain_pglite_memory_bytes")).toBeGreaterThan(16 * 1024 * 1024);
      expect(m.get("citybrain_pglite_memory_bytes")! % 65536).toBe(0); // whole wasm pages
    } else expect(m.has("citybrain_pglite_memory_bytes")).toBe(false);
  });
});
