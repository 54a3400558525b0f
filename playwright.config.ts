import { defineConfig } from "@playwright/test";
import { E2E_DATA_DIR, E2E_PG_AVAILABLE, E2E_PG_DATA_DIR, E2E_PG_PORT, E2E_PG_URL, E2E_PORT } from "./e2e/config";

// Debian's Chromium (STACK.md): `npx playwright install` cannot download a browser here.
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const port = E2E_PORT;
const dataDir = E2E_DATA_DIR;

export default defineConfig({
  testDir: "./e2e",
  // Long journeys (the map test toggles every layer) on a 2-core machine with SwiftShader.
  timeout: 180_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  // No retries: a test that passes only on retry is failing (the map journey's retry hid a rollup that never ended).
  retries: 0,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath,
      args: [
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
        "--ignore-gpu-blocklist",
      ],
    },
  },
  projects: [
    { name: "api", testMatch: /.*\.api\.spec\.ts/ },
    { name: "ui", testMatch: /.*\.ui\.spec\.ts/, use: { viewport: { width: 1400, height: 900 } } },
  ],
  webServer: [
    {
    // A fresh embedded database for every run, so the tests see a cold start too.
    command: `rm -rf ${dataDir} && mkdir -p ${dataDir} && tsx --import ./e2e/deny-egress.mjs server.ts`,
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      MQTT_PORT: String(port + 15000),
      SIM_INTERVAL_MS: "1000",
      // No backfill: the suite must not pay for it (e2e/backfill.ui.spec.ts starts its own console with an hour).
      SIM_BACKFILL_HOURS: "0",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: "",
      EGRESS_LOG: `${dataDir}/egress.log`,
    },
    },
    // The same console on PostgreSQL, when the machine has it (always under CI).
    ...(E2E_PG_AVAILABLE || process.env.CI
      ? [
          {
            command: `rm -rf ${E2E_PG_DATA_DIR} && mkdir -p ${E2E_PG_DATA_DIR} && tsx e2e/create-pg-db.ts && tsx --import ./e2e/deny-egress.mjs server.ts`,
            url: `http://127.0.0.1:${E2E_PG_PORT}/api/health`,
            timeout: 180_000,
            reuseExistingServer: false,
            stdout: "pipe" as const,
            env: {
              PORT: String(E2E_PG_PORT),
              HOST: "127.0.0.1",
              DATA_DIR: E2E_PG_DATA_DIR,
              MQTT_PORT: String(E2E_PG_PORT + 15000),
              SIM_INTERVAL_MS: "1000",
              SIM_BACKFILL_HOURS: "0",
              NEXT_TELEMETRY_DISABLED: "1",
              DATABASE_URL: E2E_PG_URL,
              EGRESS_LOG: `${E2E_PG_DATA_DIR}/egress.log`,
            },
          },
        ]
      : []),
  ],
});
