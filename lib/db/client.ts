import type pg from "pg";
import type { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/prisma/client";
import { loadConfig, type Config } from "../config";
import { openPglite, pgliteSql } from "./pglite";
import { openPgPool, pgSql } from "./pg";
import { migrate } from "./migrate";
import type { Sql } from "./sql";

export type Db = {
  prisma: PrismaClient;
  sql: Sql;
  mode: "embedded" | "server";
  close(): Promise<void>;
};

/** Opens the database the configuration names (PGlite by default) and applies migrations. */
export async function openDb(config: Pick<Config, "DATABASE_URL" | "dataDir">): Promise<Db> {
  let sql: Sql;
  let adapter: PrismaPg;
  let closeDriver: () => Promise<void>;
  if (config.DATABASE_URL) {
    const pool: pg.Pool = await openPgPool(config.DATABASE_URL);
    sql = pgSql(pool);
    adapter = new PrismaPg(pool);
    closeDriver = () => pool.end();
  } else {
    const lite: PGlite = await openPglite(config.dataDir);
    sql = pgliteSql(lite);
    // pglite-prisma-adapter 0.6 compiles against an older copy of Prisma's adapter types;
    // the runtime contract is the same (checked by the integration tests), so widen the type.
    adapter = new PrismaPGlite(lite) as unknown as PrismaPg;
    closeDriver = () => lite.close();
  }
  await migrate(sql);
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    sql,
    mode: sql.mode,
    async close() {
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}

// One database per process: Next.js may load this module more than once (route bundles,
// dev reloads), so the instance lives on globalThis.
const KEY = Symbol.for("city-brain.db");
type Holder = { [KEY]?: Promise<Db> };

/** The process-wide database, opened on first use from the environment's configuration. */
export function getDb(): Promise<Db> {
  const g = globalThis as Holder;
  g[KEY] ??= openDb(loadConfig()).catch((e) => {
    delete g[KEY];
    throw e;
  });
  return g[KEY];
}

/** Installs an already opened database as the process-wide one (server start, tests). */
export function setDb(db: Db): void {
  (globalThis as Holder)[KEY] = Promise.resolve(db);
}
