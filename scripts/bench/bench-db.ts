import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { openDb, type Db } from "../../lib/db/client";

/** A fresh database for a benchmark: PGlite in a temp folder, or a new PostgreSQL database. */
export async function benchDb(kind: "pglite" | "postgresql"): Promise<(Db & { drop(): Promise<void> }) | null> {
  if (kind === "pglite") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-bench-"));
    const db = await openDb({ dataDir: dir });
    return Object.assign(db, { drop: async () => (await db.close(), fs.rmSync(dir, { recursive: true, force: true })) });
  }
  const admin = process.env.TEST_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
  const c = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
  } catch (e) {
    console.log(`(PostgreSQL at ${admin} not reachable: ${(e as Error).message}; skipped)`);
    return null;
  }
  const name = `citybrain_bench_${process.pid}_${Date.now()}`;
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = await openDb({ DATABASE_URL: url.toString(), dataDir: os.tmpdir() });
  return Object.assign(db, {
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: admin });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  });
}
