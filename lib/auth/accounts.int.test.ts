// Separation of duties (issue 13): account changes on the ledger, nobody changes their own role
// or department, an approver must have belonged to the owning department before the request,
// grant history names the actor's own department, and the audit checks all of it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testTargets, type TestTarget } from "../testing/test-databases";
import { openAccessFixture, type AccessFixture } from "../access/testing/access-fixture";
import { createUser, updateUser } from "./manage-users";
import { listAccountEvents } from "./account-history";
import { baselineAccounts } from "./record-account-change";
import { requestGrant } from "../grants/request-grant";
import { approveGrant, revokeGrant } from "../grants/decide-grant";
import { getGrant } from "../grants/list-grants";
import { checkRead } from "../access/check-read";
import { decodeEntry, type LedgerEntry } from "../ledger/entries";
import { auditState, type Discrepancy } from "../ledger-store/audit-state";
import { AppError } from "../errors";
import type { Viewer } from "../access/viewer";
import type { Role } from "../access/roles";

const targets = await testTargets();
const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
type User = Extract<Viewer, { kind: "user" }>;

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, message: e.userMessage };
    throw e;
  }
  throw new Error("expected a refusal");
}

describe.each(targets.map((t) => [t.name, t] as [string, TestTarget]))("accounts on the ledger and separation of duties on %s", (_n, target) => {
  let fx: AccessFixture;
  const as = (u: User, departmentId: string, role: Role): User => ({ ...u, departmentId, role });

  /** What the audit says about accounts and grant actors, from every non-reading leaf. */
  async function auditAccounts(): Promise<Discrepancy[]> {
    const leaves = await fx.db.sql.query<{ leaf_index: number; entry: Uint8Array }>(`SELECT leaf_index, entry FROM ledger_leaf WHERE kind <> 'reading.v1' ORDER BY leaf_index`);
    const entries = leaves.map((l) => ({ index: Number(l.leaf_index), entry: decodeEntry(new Uint8Array(l.entry)) as LedgerEntry }));
    const found: Discrepancy[] = [];
    await auditState(fx.db.sql, entries, (d) => found.push(d));
    return found.filter((d) => d.table === "account_event" || d.table === "auth_user" || d.table === "grant_event");
  }
  const show = (ds: Discrepancy[]) => ds.map((d) => `${d.table} ${d.id} ${d.field ?? ""}: ${d.what}`).join("\n");

  beforeAll(async () => {
    fx = await openAccessFixture(target);
  }, 300_000);
  afterAll(async () => {
    await fx?.close();
  });

  it("ledgers every demo account's creation as account.v1 with its user id only, and the audit agrees", async () => {
    const users = await fx.db.sql.query<{ id: string; email: string }>(`SELECT id, email FROM auth_user`);
    const events = await fx.db.sql.query<{ user_id: string; action: string; by_user: string; leaf_index: number }>(`SELECT user_id, action, by_user, leaf_index FROM account_event`);
    expect(users.length).toBe(fx.users.length);
    expect(new Set(events.filter((e) => e.action === "create").map((e) => e.user_id))).toEqual(new Set(users.map((u) => u.id)));
    const leaves = await fx.db.sql.query<{ entry: Uint8Array; ref_table: string }>(`SELECT entry, ref_table FROM ledger_leaf WHERE kind = 'account.v1'`);
    expect(leaves.length).toBe(events.length);
    for (const l of leaves) {
      const text = new TextDecoder().decode(new Uint8Array(l.entry));
      expect(l.ref_table).toBe("account_event");
      // No e-mail, no name: only the user id and the role, department and status.
      expect(text).not.toMatch(/@|demo|·/);
      expect(JSON.parse(text)).toMatchObject({ kind: "account.v1", action: "create", by: "system", disabled: false });
    }
    expect(show(await auditAccounts())).toBe("");
  });

  it("refuses anyone's change of their own role or department (403 naming the field), and ledgers others' changes with the actor and their department", async () => {
    const sys = await fx.viewer("citizen", "sysadmin");
    const r1 = await refusal(updateUser({ viewer: sys, userId: sys.userId, change: { role: "auditor" } }));
    expect(r1).toMatchObject({ code: "forbidden", message: expect.stringMatching(/^role: nobody may change their own role/) });
    const r2 = await refusal(updateUser({ viewer: sys, userId: sys.userId, change: { departmentId: "energy" } }));
    expect(r2).toMatchObject({ code: "forbidden", message: expect.stringMatching(/^departmentId: nobody may change their own department/) });
    expect((await refusal(updateUser({ viewer: sys, userId: sys.userId, change: { disabled: true } })))).toMatchObject({ code: "forbidden", message: expect.stringMatching(/^disabled:/) });
    // Setting one's own values as they are changes nothing and writes nothing.
    const before = (await fx.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM account_event`))[0].n;
    await updateUser({ viewer: sys, userId: sys.userId, change: { role: "sysadmin", departmentId: "citizen" } });
    expect((await fx.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM account_event`))[0].n).toBe(before);
    const [row] = await fx.db.sql.query<{ department_id: string; role: string }>(`SELECT department_id, role FROM auth_user WHERE id = $1`, [sys.userId]);
    expect(row).toEqual({ department_id: "citizen", role: "sysadmin" });
    // A dept_admin manages no accounts at all, their own included.
    const admin = await fx.viewer("safety", "dept_admin");
    expect((await refusal(updateUser({ viewer: admin, userId: admin.userId, change: { role: "sysadmin" } }))).code).toBe("forbidden");

    // A sysadmin changes another account: one account.v1 "change" entry, the actor and their department kept.
    const official = await fx.viewer("traffic", "official");
    await updateUser({ viewer: sys, userId: official.userId, change: { role: "auditor", departmentId: "safety" } });
    await updateUser({ viewer: sys, userId: official.userId, change: { disabled: true } });
    await updateUser({ viewer: sys, userId: official.userId, change: { disabled: false } });
    const { events } = await listAccountEvents({ viewer: sys, userId: official.userId });
    expect(events.map((e) => [e.action, e.changed, e.by, e.byDepartment, e.role, e.departmentId, e.disabled])).toEqual([
      ["create", [], "system", null, "official", "traffic", false],
      ["change", ["role", "departmentId"], sys.userId, "citizen", "auditor", "safety", false],
      ["change", ["disabled"], sys.userId, "citizen", "auditor", "safety", true],
      ["change", ["disabled"], sys.userId, "citizen", "auditor", "safety", false],
    ]);
    expect(events[1].from).toEqual({ role: "official", departmentId: "traffic" });
    expect(events[1].byName).toContain("sysadmin");
    const leaves = await fx.db.sql.query<{ entry: Uint8Array }>(`SELECT entry FROM ledger_leaf WHERE leaf_index = ANY($1::int8[]) ORDER BY leaf_index`, [events.map((e) => e.leafIndex)]);
    expect(leaves.map((l) => decodeEntry(new Uint8Array(l.entry)))).toEqual(
      events.map((e) => ({ kind: "account.v1", account: official.userId, action: e.action, department: e.departmentId, role: e.role, disabled: e.disabled, by: e.by, at: e.at })),
    );
    // Only sysadmins and auditors read account histories.
    expect((await refusal(listAccountEvents({ viewer: admin, userId: official.userId }))).code).toBe("forbidden");
    expect((await listAccountEvents({ viewer: await fx.viewer("energy", "auditor"), userId: official.userId })).events).toHaveLength(4);
    expect((await refusal(listAccountEvents({ viewer: sys, userId: "no-such-user" }))).code).toBe("not_found");

    // A new account by a sysadmin: its creation names them.
    const { user } = await createUser({ viewer: sys, user: { email: "new.official@accounts.test", name: "New Official", departmentId: "energy", role: "official", password: "a long enough password" } });
    const made = await listAccountEvents({ viewer: sys, userId: user.id });
    expect(made.events.map((e) => [e.action, e.by, e.byDepartment, e.departmentId])).toEqual([["create", sys.userId, "citizen", "energy"]]);
    expect(show(await auditAccounts())).toBe("");
  });

  it("refuses an approval by an account moved into the owning department after the request, and allows it for requests made after the move", async () => {
    const sysEmergency = await fx.viewer("emergency", "sysadmin");
    const trafficAdmin = await fx.viewer("traffic", "dept_admin");
    const energyAdmin = await fx.viewer("energy", "dept_admin");
    const citizenAdmin = await fx.viewer("citizen", "dept_admin");
    const sysSafety = await fx.viewer("safety", "sysadmin");
    const ask = async () =>
      (await requestGrant({ viewer: trafficAdmin, request: { datasetId: "energy.load", scope: "aggregated", purpose: "peak study", validUntil: inHours(24) } })).grant;

    const early = await ask();
    // Another sysadmin moves citizen's admin, and safety's sysadmin, into energy.
    await updateUser({ viewer: sysEmergency, userId: citizenAdmin.userId, change: { departmentId: "energy" } });
    await updateUser({ viewer: sysEmergency, userId: sysSafety.userId, change: { departmentId: "energy" } });
    const moved = as(citizenAdmin, "energy", "dept_admin");
    const movedSys = as(sysSafety, "energy", "sysadmin");
    for (const v of [moved, movedSys]) {
      const r = await refusal(approveGrant({ viewer: v, grantId: early.id }));
      expect(r.code).toBe("forbidden");
      expect(r.message).toMatch(/only an admin who belonged to energy before the request was made may approve it: the account was in (citizen|safety), not energy, when the request was made/);
    }
    expect((await fx.db.sql.query<{ status: string }>(`SELECT status FROM data_grant WHERE id = $1`, [early.id]))[0].status).toBe("requested");
    // Energy's own admin, in energy since before the request, may.
    expect((await approveGrant({ viewer: energyAdmin, grantId: early.id })).grant.status).toBe("active");

    // A request made after the move: the moved admin may approve it.
    const late = await ask();
    expect((await approveGrant({ viewer: moved, grantId: late.id })).grant.status).toBe("active");

    // Moved out and back again after a request: the break counts.
    const third = await ask();
    await updateUser({ viewer: sysEmergency, userId: energyAdmin.userId, change: { departmentId: "safety" } });
    await updateUser({ viewer: sysEmergency, userId: energyAdmin.userId, change: { departmentId: "energy" } });
    expect((await refusal(approveGrant({ viewer: energyAdmin, grantId: third.id }))).message).toMatch(/moved to safety after the request/);
    // A viewer whose session says energy but whose account is elsewhere now is refused too.
    await updateUser({ viewer: sysEmergency, userId: citizenAdmin.userId, change: { departmentId: "citizen" } });
    expect((await refusal(approveGrant({ viewer: moved, grantId: third.id }))).message).toMatch(/now in citizen/);
    expect(show(await auditAccounts())).toBe("");
  });

  it("records and shows the actor's own department: a revocation by citizen's sysadmin is not 'revoked by energy'", async () => {
    const trafficAdmin = await fx.viewer("traffic", "dept_admin");
    const trafficOfficial = await fx.viewer("traffic", "official");
    const sysCitizen = await fx.viewer("citizen", "sysadmin");
    const energyAdmin = await fx.viewer("energy", "dept_admin");
    const energySys = await fx.viewer("energy", "sysadmin");
    // The earlier cases' grants to traffic end first (by energy's sysadmin).
    for (const o of await fx.db.sql.query<{ id: string }>(`SELECT id FROM data_grant WHERE dataset_id = 'energy.load' AND grantee_department_id = 'traffic' AND status IN ('active', 'requested')`)) {
      await revokeGrant({ viewer: energySys, grantId: o.id, reason: "next case" });
    }
    const g = (await requestGrant({ viewer: trafficAdmin, request: { datasetId: "energy.load", scope: "aggregated", purpose: "emergency stop test", validUntil: inHours(24) } })).grant;
    // Energy's sysadmin approves (in energy since the start).
    await approveGrant({ viewer: energySys, grantId: g.id });
    await revokeGrant({ viewer: sysCitizen, grantId: g.id, reason: "emergency stop" });
    const { history } = await getGrant({ viewer: energyAdmin, grantId: g.id });
    expect(history.map((h) => [h.action, h.by, h.byDepartment])).toEqual([
      ["request", trafficAdmin.userId, "traffic"],
      ["approve", energySys.userId, "energy"],
      ["revoke", sysCitizen.userId, "citizen"],
    ]);
    const denied = await refusal(checkRead(fx.db.sql, trafficOfficial, "energy.load"));
    expect(denied.message).toMatch(/revoked by citizen \(sysadmin\) at .*emergency stop/);
    expect(denied.message).not.toMatch(/revoked by energy/);
    expect(show(await auditAccounts())).toBe("");
  });

  it("ledgers an account made before account changes were ledgered as a baseline at start, which stands for its earlier history", async () => {
    const trafficAdmin = await fx.viewer("traffic", "dept_admin");
    const g = (await requestGrant({ viewer: trafficAdmin, request: { datasetId: "safety.cameras", scope: "aggregated", purpose: "baseline case", validUntil: inHours(24) } })).grant;
    // An account row from before (no history), as an older console left it.
    await fx.db.sql.query(`INSERT INTO auth_user (id, name, email, department_id, role) VALUES ('legacy-admin', 'Legacy', 'legacy@accounts.test', 'safety', 'dept_admin')`);
    expect((await auditAccounts()).map((d) => [d.table, d.id])).toEqual([["auth_user", "legacy-admin"]]);
    expect(await baselineAccounts(fx.db.sql)).toBe(1);
    expect(await baselineAccounts(fx.db.sql)).toBe(0);
    const sys = await fx.viewer("citizen", "sysadmin");
    expect((await listAccountEvents({ viewer: sys, userId: "legacy-admin" })).events.map((e) => [e.action, e.by, e.departmentId])).toEqual([["baseline", "system", "safety"]]);
    expect(show(await auditAccounts())).toBe("");
    // Its baseline comes after the request, but stands for the time before: it may approve.
    const legacy: User = { kind: "user", userId: "legacy-admin", departmentId: "safety", role: "dept_admin" };
    expect((await approveGrant({ viewer: legacy, grantId: g.id })).grant.status).toBe("active");
  });

  it("names a tampered account row, history row or grant actor's department, and passes once restored", async () => {
    const official = await fx.viewer("energy", "official");
    const [{ id: revokeId }] = await fx.db.sql.query<{ id: number }>(`SELECT id FROM grant_event WHERE action = 'revoke' AND by_department = 'citizen'`);
    const asOwner = (q: string) => fx.db.sql.transaction((tx) => tx.exec(`SET LOCAL session_replication_role = replica; ${q}`));
    const cases: [string, string, string, string][] = [
      // [change, undo, table named, field named]
      [`UPDATE auth_user SET role = 'sysadmin' WHERE id = '${official.userId}'`, `UPDATE auth_user SET role = 'official' WHERE id = '${official.userId}'`, "auth_user", "role"],
      [`UPDATE auth_user SET department_id = 'traffic' WHERE id = '${official.userId}'`, `UPDATE auth_user SET department_id = 'energy' WHERE id = '${official.userId}'`, "auth_user", "department_id"],
      [`UPDATE auth_user SET disabled = true WHERE id = '${official.userId}'`, `UPDATE auth_user SET disabled = false WHERE id = '${official.userId}'`, "auth_user", "disabled"],
      [`UPDATE account_event SET department_id = 'safety' WHERE user_id = '${official.userId}'`, `UPDATE account_event SET department_id = 'energy' WHERE user_id = '${official.userId}'`, "account_event", "department_id"],
      [`UPDATE account_event SET by_user = 'someone' WHERE user_id = '${official.userId}'`, `UPDATE account_event SET by_user = 'system' WHERE user_id = '${official.userId}'`, "account_event", "by_user"],
      [`UPDATE grant_event SET by_department = 'energy' WHERE id = ${revokeId}`, `UPDATE grant_event SET by_department = 'citizen' WHERE id = ${revokeId}`, "grant_event", "by_department"],
    ];
    const missed: string[] = [];
    for (const [change, undo, table, field] of cases) {
      await asOwner(change);
      const found = await auditAccounts();
      if (!found.some((d) => d.table === table && (d.field ?? "").startsWith(field))) missed.push(`${change}: ${show(found) || "nothing named"}`);
      await asOwner(undo);
    }
    // A history row deleted, and an account made without the ledger.
    const [ev] = await fx.db.sql.query<{ j: unknown }>(`SELECT to_jsonb(e) AS j FROM account_event e WHERE user_id = $1`, [official.userId]);
    await asOwner(`DELETE FROM account_event WHERE user_id = '${official.userId}'`);
    let found = await auditAccounts();
    if (!found.some((d) => d.table === "account_event" && /missing/.test(d.what))) missed.push(`account_event deleted: ${show(found)}`);
    await fx.db.sql.query(`INSERT INTO account_event SELECT * FROM jsonb_populate_record(null::account_event, $1::jsonb)`, [JSON.stringify(ev.j)]);
    await fx.db.sql.query(`INSERT INTO auth_user (id, name, email, department_id, role) VALUES ('ghost', 'Ghost', 'ghost@accounts.test', 'energy', 'dept_admin')`);
    found = await auditAccounts();
    if (!found.some((d) => d.table === "auth_user" && d.id === "ghost" && /no account.v1 entry/.test(d.what))) missed.push(`ghost account: ${show(found)}`);
    await fx.db.sql.query(`DELETE FROM auth_user WHERE id = 'ghost'`);
    expect(missed).toEqual([]);
    expect(show(await auditAccounts())).toBe("");
  });
});
