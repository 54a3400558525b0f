import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestTarget } from "../../testing/test-databases";
import { setDb, type Db } from "../../db/client";
import { generateCity } from "../../city";
import { seedCity } from "../../server/seed";
import { createAuth, setAuth, type Auth } from "../../auth/auth";
import { ensureDemoUsers, type DemoUser } from "../../auth/demo-users";
import { loadConfig } from "../../config";
import { storeReadings } from "../../ingest/store-readings";
import type { Viewer } from "../viewer";
import type { Role } from "../roles";

export type AccessFixture = {
  db: Db & { drop(): Promise<void> };
  auth: Auth;
  dataDir: string;
  users: DemoUser[];
  /** The demo user of a department and role as a signed-in viewer (ids from the database). */
  viewer(departmentId: string, role: Role): Promise<Extract<Viewer, { kind: "user" }>>;
  /** Stores readings of a dataset (fake signatures: the audit of these is not the point here). */
  addReadings(dataset: string, rows: { device: string; at: Date; location: [number, number]; values: Record<string, number | string | boolean> }[]): Promise<void>;
  close(): Promise<void>;
};

let seq = 1;

/**
 * A database with a small city, the process-wide Better Auth instance over it, and the
 * demo users (one per department and role, TOTP for admins). Installs both as the
 * process-wide ones, as the console does at start.
 */
export async function openAccessFixture(target: TestTarget): Promise<AccessFixture> {
  const db = await target.open();
  setDb(db);
  await seedCity(db, generateCity({ seed: "access-it", size: 0.2 }));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "citybrain-access-"));
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, HOST: "127.0.0.1", PORT: "3999", DATABASE_URL: "" });
  const auth = createAuth({ prisma: db.prisma, secret: crypto.randomBytes(32).toString("base64url"), config });
  setAuth(auth);
  const { users } = await ensureDemoUsers(auth, dataDir);
  return {
    db,
    auth,
    dataDir,
    users,
    async viewer(departmentId, role) {
      const u = users.find((x) => x.departmentId === departmentId && x.role === role)!;
      const [row] = await db.sql.query<{ id: string }>(`SELECT id FROM auth_user WHERE email = $1`, [u.email]);
      return { kind: "user", userId: row.id, departmentId, role, email: u.email, name: u.name };
    },
    async addReadings(dataset, rows) {
      await storeReadings(
        db.sql,
        rows.map((r) => ({
          device: r.device,
          dataset,
          seq: seq++,
          observedAt: r.at.toISOString(),
          location: r.location,
          values: r.values,
          payloadHash: crypto.randomBytes(32),
          signature: crypto.randomBytes(64),
        })),
      );
    },
    async close() {
      await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
