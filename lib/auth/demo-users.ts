import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DEPARTMENTS } from "../city";
import { ROLES, MFA_ROLES, type Role } from "../access/roles";
import { loadOrCreateSecret } from "../secrets";
import type { Auth } from "./auth";
import { createUserWithPassword, deleteUserAccount, enrollTotp } from "./users";

export const DemoUserSchema = z.object({
  email: z.string(),
  password: z.string(),
  name: z.string(),
  departmentId: z.string(),
  role: z.enum(ROLES),
  /** Base32 TOTP secret of dept_admin and sysadmin accounts. */
  totpSecret: z.string().optional(),
});
export type DemoUser = z.infer<typeof DemoUserSchema>;
const DemoFileSchema = z.object({ users: z.array(DemoUserSchema) });

export const DEMO_DOMAIN = "demo.city-brain.example";
export const demoEmail = (departmentId: string, role: Role) => `${role.replace("_", "-")}.${departmentId}@${DEMO_DOMAIN}`;
export const DEMO_USERS_FILE = "demo-users";

/** The demo users file of a data folder, or null when there is none. */
export function readDemoUsers(dataDir: string): DemoUser[] | null {
  const file = path.join(dataDir, "secrets", `${DEMO_USERS_FILE}.json`);
  if (!fs.existsSync(file)) return null;
  return DemoFileSchema.parse(JSON.parse(fs.readFileSync(file, "utf8"))).users;
}

const SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗";
const GIVEN = ["伟", "芳", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕", "志强"];

/**
 * The n-th demo user's name: a person's name, as the city's staff have (a name is data, shown
 * as it is in either language; the role and department are shown beside it in the UI's
 * words). Distinct for the first 480 users.
 */
export function demoName(n: number): string {
  const a = n % SURNAMES.length, q = Math.floor(n / SURNAMES.length);
  return `${SURNAMES[a]}${GIVEN[(5 * q + 7 * a) % GIVEN.length]}`;
}

/**
 * One demo user per department and role, made at the first start with generated
 * passwords (and TOTP secrets for the roles that need a second factor). Their credentials
 * are written once to DATA_DIR/secrets/demo-users.json (mode 0600) and returned with
 * `created: true` so the caller prints them once; later starts find the file and do nothing.
 * A demo account left by an interrupted first start is replaced.
 */
export async function ensureDemoUsers(auth: Auth, dataDir: string): Promise<{ created: boolean; users: DemoUser[] }> {
  let created = false;
  const file = await loadOrCreateSecret(
    dataDir,
    DEMO_USERS_FILE,
    async () => {
      created = true;
      const ctx = await auth.$context;
      const users: DemoUser[] = [];
      for (const d of DEPARTMENTS) {
        for (const role of ROLES) {
          const email = demoEmail(d.id, role);
          const stale = await ctx.internalAdapter.findUserByEmail(email);
          if (stale) await deleteUserAccount(stale.user.id);
          const password = crypto.randomBytes(12).toString("base64url");
          const name = demoName(users.length);
          await createUserWithPassword(auth, { email, name, departmentId: d.id, role, password });
          const totpSecret = MFA_ROLES.includes(role) ? await enrollTotp(auth, email, password) : undefined;
          users.push({ email, password, name, departmentId: d.id, role, ...(totpSecret ? { totpSecret } : {}) });
        }
      }
      return { users };
    },
    (v) => DemoFileSchema.parse(v),
  );
  return { created, users: file.users };
}
