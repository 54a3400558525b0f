import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { loadConfig } from "../config";
import { openPglite } from "./pglite";

/**
 * The adapter the Prisma CLI uses (prisma.config.ts): PostgreSQL when DATABASE_URL is set,
 * otherwise the embedded PGlite data folder. The console itself does not call this; it
 * applies migrations in-process at start (lib/db/migrate.ts).
 */
export async function createMigrationAdapter() {
  const config = loadConfig();
  if (config.DATABASE_URL) return new PrismaPg({ connectionString: config.DATABASE_URL });
  return new PrismaPGlite(await openPglite(config.dataDir)) as unknown as PrismaPg;
}
