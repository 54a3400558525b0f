import type { Config } from "../config";
import type { Db } from "../db/client";
import { createAuth, loadAuthSecret, oidcEnabled, setAuth } from "../auth/auth";
import { ensureDemoUsers } from "../auth/demo-users";
import { baselineAccounts } from "../auth/record-account-change";
import { soleLeadership, type Leadership } from "../cluster/leader";
import { expireGrants } from "../grants/expire-grants";
import { runRules } from "../rules/run-rules";
import { createRuleAs } from "../rules/manage-rules";
import { ledgerAccessEvents } from "./ledger-access-events";

/** Whether demo users are made: DEMO_USERS, else on for the embedded database only. */
export function demoUsersWanted(config: Pick<Config, "DEMO_USERS" | "DATABASE_URL">): boolean {
  if (config.DEMO_USERS !== undefined) return config.DEMO_USERS === "1" || config.DEMO_USERS === "true";
  return !config.DATABASE_URL;
}

/**
 * Starts sign-in and the access services: the Better Auth instance, demo users at the first
 * start (their credentials printed once and kept in DATA_DIR/secrets/demo-users.json), and
 * the periodic jobs that expire grants, run the emergency linkage rules and ledger access
 * events in batches.
 */
export async function startAccess(opts: { db: Db; config: Config; log: (m: string) => void; leadership?: Leadership }): Promise<{ stop(): Promise<void> }> {
  const { db, config, log } = opts;
  // In a cluster each job runs in the one process holding its role (lib/server/leader.ts).
  const leadership = opts.leadership ?? soleLeadership();
  const auth = createAuth({ prisma: db.prisma, secret: await loadAuthSecret(config), config });
  setAuth(auth);
  if (oidcEnabled(config)) log(`single sign-on: OIDC provider "${config.OIDC_PROVIDER_NAME}" at ${config.OIDC_DISCOVERY_URL}`);
  if (demoUsersWanted(config)) {
    const t0 = Date.now();
    const demo = await ensureDemoUsers(auth, config.dataDir);
    if (demo.created) {
      const sysadmin = demo.users.find((u) => u.role === "sysadmin" && u.departmentId === "emergency") ?? demo.users.find((u) => u.role === "sysadmin");
      const ctx = await auth.$context;
      const sys = sysadmin ? await ctx.internalAdapter.findUserByEmail(sysadmin.email) : null;
      if (sys) {
        await createRuleAs(sys.user.id, {
          name: "Severity-1 incident: cameras and road data for the emergency bureau",
          enabled: true,
          trigger: { dataset: "safety.incidents", maxSeverity: 1, statuses: ["reported", "responding"] },
          grant: { granteeDepartmentId: "emergency", datasets: ["safety.cameras", "traffic.flow"], scope: "raw", radiusM: 2000, durationSeconds: 6 * 3600 },
        });
      }
      log(`demo users created in ${Date.now() - t0} ms (shown once; kept in ${config.dataDir}/secrets/demo-users.json):`);
      for (const u of demo.users) log(`  ${u.role.padEnd(10)} ${u.departmentId.padEnd(9)} ${u.email}  password ${u.password}${u.totpSecret ? `  TOTP secret ${u.totpSecret}` : ""}`);
    }
  }
  // Accounts with no account.v1 history yet (made before account changes were ledgered) are ledgered as they stand.
  const baselined = await baselineAccounts(db.sql);
  if (baselined) log(`accounts ledgered as they stand (account.v1 baseline): ${baselined}`);
  const onError = (what: string) => (e: Error) => log(`${what} failed: ${e.message}`);
  const stops = [
    leadership.every("grant-expiry", config.GRANT_EXPIRY_INTERVAL_MS, async () => {
      const ids = await expireGrants(db.sql);
      if (ids.length) log(`grants expired: ${ids.join(", ")}`);
    }, onError("grant expiry")),
    leadership.every("rules", config.RULES_INTERVAL_MS, async () => {
      const made = await runRules(db.sql);
      for (const m of made) log(`rule ${m.ruleId} fired for incident ${m.incident}: grant ${m.grantId} on ${m.datasetId}`);
    }, onError("linkage rules")),
    leadership.every("access-log", config.ACCESS_LOG_INTERVAL_MS, () => ledgerAccessEvents(db.sql), onError("access log")),
  ];
  return {
    async stop() {
      for (const s of stops) await s();
      // Ledger what was read up to the stop (the access log's holder; another takes over the rest).
      if (leadership.holds("access-log")) await ledgerAccessEvents(db.sql).catch(() => {});
    },
  };
}
