import type { SqlTx } from "../db/sql";
import { appendEntries } from "../ledger-store/append-entries";
import { encodeEntry, type AccountEntry } from "../ledger/entries";
import type { Role } from "../access/roles";

export type AccountAction = AccountEntry["action"];
/** An account's role, department and status, as an account.v1 entry states them. */
export type AccountState = { userId: string; departmentId: string; role: Role; disabled: boolean };
/** Who changed an account: a user with their own department, or "system" / "sso" with none. */
export type AccountActor = { userId: string; departmentId: string | null };
export const SYSTEM_ACCOUNT_ACTOR: AccountActor = { userId: "system", departmentId: null };

/** The account.v1 entry of an account as it stands after `action`. The user id only: no e-mail or name. */
export function accountEntry(a: AccountState, action: AccountAction, by: string, at: Date): AccountEntry {
  return { kind: "account.v1", account: a.userId, action, department: a.departmentId, role: a.role, disabled: a.disabled, by, at: at.toISOString() };
}

/**
 * Ledgers an account's creation, change, deletion or baseline inside the caller's transaction
 * (the one that changed the auth_user row): appends the account.v1 entry and the account_event
 * row it points at, which also keeps the actor's own department. Returns the leaf index.
 */
export async function recordAccountChange(tx: SqlTx, a: AccountState, action: AccountAction, actor: AccountActor, at: Date): Promise<number> {
  const [{ id }] = await tx.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('account_event', 'id'))::int8 AS id`);
  const bytes = encodeEntry(accountEntry(a, action, actor.userId, at));
  const leaf = await appendEntries(tx, [{ kind: "account.v1", bytes, refTable: "account_event", refId: String(id) }]);
  await tx.query(
    `INSERT INTO account_event (id, user_id, action, department_id, role, disabled, by_user, by_department, at, leaf_index)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [id, a.userId, action, a.departmentId, a.role, a.disabled, actor.userId, actor.departmentId, at.toISOString(), leaf],
  );
  return leaf;
}

/**
 * Ledgers every account that has no history yet as it stands ("baseline"): accounts made
 * before account changes were ledgered, or by a single sign-on whose entry was not written.
 * Run at start; an advisory lock keeps concurrent console processes from doing it twice.
 * Returns the number of accounts baselined.
 */
export async function baselineAccounts(sql: { transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> }, at = new Date()): Promise<number> {
  return sql.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('city-brain.account-baseline'))`);
    const rows = await tx.query<{ id: string; department_id: string; role: Role; disabled: boolean }>(
      `SELECT u.id, u.department_id, u.role, u.disabled FROM auth_user u
        WHERE NOT EXISTS (SELECT 1 FROM account_event e WHERE e.user_id = u.id) ORDER BY u.created_at, u.id FOR UPDATE OF u`,
    );
    for (const r of rows) await recordAccountChange(tx, { userId: r.id, departmentId: r.department_id, role: r.role, disabled: r.disabled }, "baseline", SYSTEM_ACCOUNT_ACTOR, at);
    return rows.length;
  });
}

/** Ledgers an account made outside lib/auth/users.ts (Better Auth's own sign-up by single sign-on) as "create", unless it has a history. */
export async function ledgerAccountMadeElsewhere(sql: { transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> }, userId: string, actor: AccountActor, at = new Date()): Promise<void> {
  await sql.transaction(async (tx) => {
    const [u] = await tx.query<{ department_id: string; role: Role; disabled: boolean }>(`SELECT department_id, role, disabled FROM auth_user WHERE id = $1 FOR UPDATE`, [userId]);
    if (!u) return;
    const [seen] = await tx.query(`SELECT 1 FROM account_event WHERE user_id = $1 LIMIT 1`, [userId]);
    if (seen) return;
    await recordAccountChange(tx, { userId, departmentId: u.department_id, role: u.role, disabled: u.disabled }, "create", actor, at);
  });
}
