import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { testTargets, type TestTarget } from "../testing/test-databases";
import type { FreshDb } from "../testing/fresh-database";
import type { Sql } from "../db/sql";
import { generateCity } from "../city";
import { seedCity } from "../server/seed";
import { DeviceCache } from "./device-cache";

const targets = await testTargets();

// The cache's refresh every two seconds reads the device rows changed since its previous read.
describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("device cache on %s", (name, target) => {
  let db: FreshDb;
  const refreshes: number[] = [];
  let cache: DeviceCache;
  beforeAll(async () => {
    db = await target.open();
    await seedCity(db, generateCity({ seed: "device-cache-it", size: 0.3 }));
    // A first start registers every simulated device in one statement, so they share one
    // updated_at; here a minute ago.
    await db.sql.query(`UPDATE device SET updated_at = now() - interval '1 minute'`);
    // The rows each incremental refresh returned.
    const counting: Sql = Object.create(db.sql);
    counting.query = (async (text: string, params?: unknown[]) => {
      const rows = await db.sql.query(text, params);
      if (text.includes("JOIN device d ON d.updated_at >=")) refreshes.push((rows as { id: string | null }[]).filter((r) => r.id !== null).length);
      return rows;
    }) as Sql["query"];
    cache = new DeviceCache(counting);
    await cache.start();
  }, 60_000);
  afterAll(async () => {
    cache?.stop();
    await db?.drop();
  });
  const devices = async () => Number((await db.sql.query<{ n: string }>(`SELECT count(*) AS n FROM device`))[0].n);

  it("loads every device, then reads again only what changed, not every device that changed together last", async () => {
    expect(refreshes[0]).toBe(await devices());
    expect(cache.size).toBe(await devices());
    await expect.poll(() => refreshes.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    // Before, the cursor was the newest change seen: all of them again, every time.
    expect(refreshes.slice(1)).toEqual(refreshes.slice(1).map(() => 0));

    const [{ id }] = await db.sql.query<{ id: string }>(`SELECT id FROM device ORDER BY id LIMIT 1`);
    await db.sql.query(`UPDATE device SET status = 'revoked', updated_at = now() WHERE id = $1`, [id]);
    await expect.poll(() => cache.peek(id)?.status, { timeout: 10_000 }).toBe("revoked");
  });

  // PGlite has one connection: no transaction can be open beside the cache's reads.
  if (name === "postgresql") it("sees a change whose transaction began before a refresh and committed after it", async () => {
    const [{ id }] = await db.sql.query<{ id: string }>(`SELECT id FROM device ORDER BY id DESC LIMIT 1`);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query("BEGIN");
      await c.query(`UPDATE device SET status = 'revoked', updated_at = now() WHERE id = $1`, [id]);
      const seen = refreshes.length;
      await expect.poll(() => refreshes.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(seen + 2);
      expect(cache.peek(id)?.status).toBe("active");
      await c.query("COMMIT");
    } finally {
      await c.end();
    }
    await expect.poll(() => cache.peek(id)?.status, { timeout: 10_000 }).toBe("revoked");
  });
});
