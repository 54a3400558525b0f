// A console for tests of tools that talk to one over HTTP (readings:replay, ngsi:bridge): a
// fresh database with a small seeded city, the real intake, Better Auth, a traffic department
// admin with TOTP, and the real route handlers of sign-in, devices, ingest and NGSI-LD behind
// an HTTP server on 127.0.0.1.
import { execFile } from "node:child_process";
import crypto from "node:crypto";
import { generateCity } from "../city";
import type { CityModel } from "../city/types";
import { loadConfig } from "../config";
import { setDb } from "../db/client";
import { createAuth, setAuth } from "../auth/auth";
import { createUserWithPassword, enrollTotp } from "../auth/users";
import { Intake } from "../ingest/intake";
import { setIntake } from "../ingest/intake-instance";
import { freePort } from "../ingest/testing/ingest-fixture";
import { seedCity } from "../server/seed";
import type { TestTarget } from "./test-databases";
import type { FreshDb } from "./fresh-database";
import { serveRoutes, type RouteModule } from "./route-server";
import * as authRoute from "@/app/api/auth/[...all]/route";
import * as devicesRoute from "@/app/api/devices/route";
import * as batchRoute from "@/app/api/ingest/batch/route";
import * as entitiesRoute from "@/app/ngsi-ld/v1/entities/route";

export type ConsoleHarness = {
  db: FreshDb;
  city: CityModel;
  url: string;
  /** The city's seed and size, for a child process that must build the same city (CITY_SEED, CITY_SIZE). */
  cityEnv: { CITY_SEED: string; CITY_SIZE: string };
  admin: { email: string; password: string; totpSecret: string };
  close(): Promise<void>;
};

/** Starts the console's pieces on a fresh database of `target`. */
export async function startConsoleHarness(target: TestTarget, seed: string, size = 0.1): Promise<ConsoleHarness> {
  const db = await target.open();
  setDb(db);
  const city = generateCity({ seed, size });
  await seedCity(db, city);
  const intake = await Intake.start({ sql: db.sql, maxMessageBytes: 16 * 1024, maxBatchBytes: 1 << 22, threads: 0 });
  setIntake(intake);
  const port = await freePort();
  const config = loadConfig({ ...process.env, HOST: "127.0.0.1", PORT: String(port), DATABASE_URL: "", SIGNIN_MAX_PER_MINUTE: "1000", TRUSTED_PROXIES: "" });
  const auth = createAuth({ prisma: db.prisma, secret: crypto.randomBytes(32).toString("base64url"), config });
  setAuth(auth);
  const admin = { email: "admin.traffic@harness.test", password: "harness admin password 1" };
  await createUserWithPassword(auth, { ...admin, name: "交通管理员", departmentId: "traffic", role: "dept_admin" });
  const totpSecret = await enrollTotp(auth, admin.email, admin.password);
  const routes: [RegExp, RouteModule][] = [
    [/^\/api\/auth\//, authRoute as RouteModule],
    [/^\/api\/devices$/, devicesRoute as RouteModule],
    [/^\/api\/ingest\/batch$/, batchRoute as RouteModule],
    [/^\/ngsi-ld\/v1\/entities$/, entitiesRoute as RouteModule],
  ];
  const server = await serveRoutes(port, (p) => {
    const hit = routes.find(([re]) => re.test(p));
    return hit ? { module: hit[1] } : null;
  });
  return {
    db, city, url: server.url, cityEnv: { CITY_SEED: seed, CITY_SIZE: String(size) }, admin: { ...admin, totpSecret },
    async close() {
      await server.close();
      await intake.close();
      await db.drop();
    },
  };
}

export type ToolRun = { code: number; stdout: string; stderr: string };

/** Runs a tool script (scripts/…) in its own process, as `npm run` would, with extra environment. */
export function runTool(script: string, args: string[], env: Record<string, string>): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", script, ...args], { env: { ...process.env, DATABASE_URL: "", ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

/** The environment a tool needs to act on the harness's console as its traffic admin, with DATA_DIR `dir`. */
export const toolEnv = (h: ConsoleHarness, dir: string): Record<string, string> => ({
  ...h.cityEnv, DATA_DIR: dir, CONSOLE_URL: h.url, CONSOLE_ADMIN_EMAIL: h.admin.email, CONSOLE_ADMIN_PASSWORD: h.admin.password, CONSOLE_ADMIN_TOTP_SECRET: h.admin.totpSecret,
});
