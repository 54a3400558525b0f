import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { E2E_DATA_DIR, E2E_PORT } from "./config";
import { startOwnConsole, type OwnConsole } from "./own-console";
import { ensureLocalServerTls } from "../lib/mqtt/tls-files";

// Issue 13: the console serves HTTPS itself when TLS_CERT and TLS_KEY are set. A console of
// its own (fresh embedded database, simulator on) with a certificate from a CA made here:
// pages and APIs answer over TLS, and the simulator's devices (MQTT over TLS with tokens) and
// gateways (HTTPS batches) fill the map.

const PORT = E2E_PORT + 2;
const DATA_DIR = `${E2E_DATA_DIR}-https`;
const TLS_DIR = path.join(DATA_DIR, "test-tls");
const base = `https://127.0.0.1:${PORT}`;
let ca = "";
let own: OwnConsole | null = null;

function get(p: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${base}${p}`, { ca, timeout: 60_000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers["content-type"] ?? "") }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

test.describe("the console over HTTPS", () => {
  // A third console beside the suite's two, on a shared 2-core machine: its start can take minutes.
  test.describe.configure({ timeout: 600_000 });

  test.beforeAll(async () => {
    fs.rmSync(DATA_DIR, { recursive: true, force: true });
    fs.mkdirSync(TLS_DIR, { recursive: true });
    const m = ensureLocalServerTls(TLS_DIR, ["127.0.0.1"]);
    ca = m.ca;
    own = await startOwnConsole({
      port: PORT,
      dataDir: DATA_DIR,
      env: {
        SIM_INTERVAL_MS: "1000",
        SIM_BACKFILL_HOURS: "0",
        // A light console (a third one beside the suite's two on a shared 2-core machine): a small city, no demo users.
        CITY_SIZE: "0.3",
        DEMO_USERS: "0",
        TLS_CERT: m.certFile,
        TLS_KEY: m.keyFile,
      },
      timeoutMs: 540_000,
      intervalMs: 2000,
      health: async () => (await get("/api/health").catch(() => null))?.status ?? null,
    });
  });
  test.afterAll(async () => {
    await own?.stop();
  });

  test("pages, APIs and the simulator's TLS transports work; plain HTTP gets no answer", async () => {
    expect(own!.output()).toContain(`console ready at https://127.0.0.1:${PORT}`);
    expect(own!.output()).toMatch(/embedded MQTT broker on mqtts:\/\/127\.0\.0\.1:\d+ \(TLS, devices authenticate\)/);
    const health = await get("/api/health");
    expect(JSON.parse(health.body)).toMatchObject({ status: "ok", database: "embedded" });
    const page = await get("/");
    expect(page.status).toBe(200);
    expect(page.type).toContain("text/html");
    // Readings from devices over MQTT/TLS and from gateways over HTTPS reach the map's API.
    await expect
      .poll(async () => {
        const r = await get("/api/traffic/latest");
        return r.status === 200 ? (JSON.parse(r.body).readings as unknown[]).length : 0;
      }, { timeout: 90_000 })
      .toBeGreaterThan(10);
    // The gateways' HTTPS batches were all taken (they wait while the console starts; a device's
    // MQTT connection may time out once on a loaded machine and reconnect).
    expect(own!.output()).not.toMatch(/simulator: .*batch refused/);
    const plain = await fetch(`http://127.0.0.1:${PORT}/api/health`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status).catch(() => "no answer");
    expect(plain).not.toBe(200);
  });
});
