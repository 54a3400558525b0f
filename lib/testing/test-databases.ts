import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { openDb, type Db } from "../db/client";

/**
 * The databases integration tests run against: always a fresh embedded PGlite, and a fresh
 * PostgreSQL database when a server is reachable (TEST_DATABASE_URL, default the local one).
 * Without a server the PostgreSQL cases are skipped with a printed reason, except under
 * CI=true, where a missing server fails the run.
 */
export type TestTarget = { name: "pglite" | "postgresql"; open(): Promise<Db & { drop(): Promise<void> }> };

const DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres";

async function pgReachable(url: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query("select 1");
    return null;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await c.end().catch(() => {});
  }
}

export async function testTargets(): Promise<TestTarget[]> {
  const targets: TestTarget[] = [
    {
      name: "pglite",
      async open() {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-it-"));
        const db = await openDb({ dataDir: dir });
        return Object.assign(db, {
          async drop() {
            await db.close();
            fs.rmSync(dir, { recursive: true, force: true });
          },
        });
      },
    },
  ];
  const adminUrl = process.env.TEST_DATABASE_URL || DEFAULT_PG;
  const problem = await pgReachable(adminUrl);
  if (problem) {
    const why = `PostgreSQL at ${adminUrl} not reachable (${problem})`;
    if (process.env.CI === "true") throw new Error(`${why}: CI requires it`);
    console.warn(`skipping PostgreSQL integration cases: ${why}`);
    return targets;
  }
  targets.push({
    name: "postgresql",
    async open() {
      const name = `citybrain_it_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const db = await openDb({ DATABASE_URL: url.toString(), dataDir: os.tmpdir() });
      return Object.assign(db, {
        async drop() {
          await db.close();
          const a = new pg.Client({ connectionString: adminUrl });
          await a.connect();
          await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await a.end();
        },
      });
    },
  });
  return targets;
}
