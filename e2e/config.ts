import { spawnSync } from "node:child_process";

export const E2E_PORT = Number(process.env.E2E_PORT ?? 3310);
export const E2E_DATA_DIR = process.env.E2E_DATA_DIR ?? `./data/e2e-${E2E_PORT}`;

// A second console on the machine's PostgreSQL, for tests that must reach into the database
// (tampering with a stored row, as an attacker with database access would).
export const E2E_PG_PORT = E2E_PORT + 1;
export const E2E_PG_DATA_DIR = `${E2E_DATA_DIR}-pg`;
const admin = new URL(process.env.TEST_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres");
export const E2E_PG_ADMIN_URL = admin.toString();
export const E2E_PG_URL = (() => {
  const u = new URL(admin.toString());
  u.pathname = `/citybrain_e2e_${E2E_PORT}`;
  return u.toString();
})();

/** Whether PostgreSQL answers (checked once, synchronously, when the config loads). */
export const E2E_PG_AVAILABLE =
  spawnSync(process.execPath, [
    "-e",
    `require("net").connect(${Number(admin.port || 5432)}, ${JSON.stringify(admin.hostname)}).on("connect", () => process.exit(0)).on("error", () => process.exit(1))`,
  ]).status === 0;
