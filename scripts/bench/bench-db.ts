import { DEFAULT_ADMIN_URL, freshPglite, freshPostgres, postgresProblem, type FreshDb } from "../../lib/testing/fresh-database";

/** A fresh database for a benchmark: PGlite in a temp folder, or a new PostgreSQL database (null if unreachable). */
export async function benchDb(kind: "pglite" | "postgresql"): Promise<FreshDb | null> {
  if (kind === "pglite") return freshPglite("citybrain-bench");
  const admin = process.env.TEST_DATABASE_URL || DEFAULT_ADMIN_URL;
  const problem = await postgresProblem(admin);
  if (problem) {
    console.log(`(PostgreSQL at ${admin} not reachable: ${problem}; skipped)`);
    return null;
  }
  return freshPostgres(admin, "citybrain_bench");
}
