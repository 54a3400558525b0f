import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { openDb, type Db } from "../db/client";

/** A new database for a test or benchmark; `url` is the server database's address (none for PGlite). */
export type FreshDb = Db & { drop(): Promise<void>; url?: string; /** PGlite's data folder (embedded only) */ dataDir?: string };

export const DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

/** A new embedded database in a temporary folder, removed by drop(). */
export async function freshPglite(prefix: string): Promise<FreshDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const db = await openDb({ dataDir: dir });
  return Object.assign(db, {
    dataDir: dir,
    async drop() {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  });
}

/** A new database on the PostgreSQL server of `adminUrl`, dropped (forcibly) by drop(). */
export async function freshPostgres(adminUrl: string, prefix: string): Promise<FreshDb> {
  const name = `${prefix}_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDb({ DATABASE_URL: url.toString(), dataDir: os.tmpdir() });
  return Object.assign(db, {
    url: url.toString(),
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  });
}

/** Why PostgreSQL at url cannot be used, or null when it answers. */
export async function postgresProblem(url: string): Promise<string | null> {
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
