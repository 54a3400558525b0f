import { DEFAULT_ADMIN_URL, freshPglite, freshPostgres, postgresProblem, type FreshDb } from "./fresh-database";

/**
 * The databases integration tests run against: always a fresh embedded PGlite, and a fresh
 * PostgreSQL database when a server is reachable (TEST_DATABASE_URL, default the local one).
 * Without a server the PostgreSQL cases are skipped with a printed reason, except under
 * CI=true, where a missing server fails the run.
 */
export type TestTarget = { name: "pglite" | "postgresql"; open(): Promise<FreshDb> };

export async function testTargets(): Promise<TestTarget[]> {
  const targets: TestTarget[] = [{ name: "pglite", open: () => freshPglite("citybrain-it") }];
  const adminUrl = process.env.TEST_DATABASE_URL || DEFAULT_ADMIN_URL;
  const problem = await postgresProblem(adminUrl);
  if (problem) {
    const why = `PostgreSQL at ${adminUrl} not reachable (${problem})`;
    if (process.env.CI === "true") throw new Error(`${why}: CI requires it`);
    console.warn(`skipping PostgreSQL integration cases: ${why}`);
    return targets;
  }
  targets.push({ name: "postgresql", open: () => freshPostgres(adminUrl, "citybrain_it") });
  return targets;
}
