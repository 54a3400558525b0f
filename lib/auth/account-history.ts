import type { Sql, SqlTx } from "../db/sql";
import { getDb } from "../db/client";
import { notFound } from "../errors";
import type { Viewer } from "../access/viewer";
import { requireRole } from "../access/require-role";

type EventRow = { id: number; user_id: string; action: string; department_id: string; role: string; disabled: boolean; by_user: string; by_department: string | null; at: Date; leaf_index: number };

/**
 * Whether an account belonged to `departmentId` since before leaf `beforeLeaf` (the ledger
 * entry of a grant request) without a break until now, by its account.v1 history: the
 * department its last entry before that leaf states, and every later entry, must be that
 * department. An account's baseline entry (written for accounts that existed before account
 * changes were ledgered) stands for its earlier history too. Read in the caller's transaction.
 */
export async function belongedSince(tx: Pick<SqlTx, "query">, userId: string, departmentId: string, beforeLeaf: number): Promise<{ ok: true } | { ok: false; why: string }> {
  const events = await tx.query<{ action: string; department_id: string; leaf_index: number }>(
    `SELECT action, department_id, leaf_index FROM account_event WHERE user_id = $1 ORDER BY leaf_index`,
    [userId],
  );
  if (events.length === 0) return { ok: false, why: "the account has no ledgered history" };
  const earlier = events.filter((e) => Number(e.leaf_index) < beforeLeaf);
  const start = earlier.at(-1) ?? (events[0].action === "baseline" ? events[0] : undefined);
  if (!start) return { ok: false, why: `the account was made after the request (leaf ${events[0].leaf_index})` };
  if (start.action === "delete" || start.department_id !== departmentId) return { ok: false, why: `the account was in ${start.department_id}, not ${departmentId}, when the request was made (leaf ${start.leaf_index})` };
  const moved = events.find((e) => Number(e.leaf_index) > Number(start.leaf_index) && e.department_id !== departmentId);
  if (moved) return { ok: false, why: `the account was moved to ${moved.department_id} after the request (leaf ${moved.leaf_index})` };
  return { ok: true };
}

const FIELDS = ["role", "departmentId", "disabled"] as const;

/**
 * An account's history from its account.v1 entries (sysadmins and auditors): each creation,
 * change of role, department or status, deletion or baseline, with when, who (and the
 * actor's own department then), what changed from the entry before, and the ledger leaf.
 */
export async function listAccountEvents(opts: { viewer: Viewer; userId: string; sql?: Sql }) {
  requireRole(opts.viewer, ["sysadmin", "auditor"], "read account histories");
  const sql = opts.sql ?? (await getDb()).sql;
  const rows = await sql.query<EventRow>(
    `SELECT id, user_id, action, department_id, role, disabled, by_user, by_department, at, leaf_index FROM account_event WHERE user_id = $1 ORDER BY leaf_index`,
    [opts.userId],
  );
  if (rows.length === 0 && (await sql.query(`SELECT 1 FROM auth_user WHERE id = $1`, [opts.userId])).length === 0) throw notFound("user", opts.userId);
  const actors = [...new Set(rows.map((r) => r.by_user))];
  const names = new Map(
    (await sql.query<{ id: string; name: string; email: string }>(`SELECT id, name, email FROM auth_user WHERE id = ANY($1::text[])`, [actors])).map((u) => [u.id, `${u.name} <${u.email}>`]),
  );
  let prev: { role: string; departmentId: string; disabled: boolean } | null = null;
  const events = rows.map((r) => {
    const now = { role: r.role, departmentId: r.department_id, disabled: r.disabled };
    const changed = prev ? FIELDS.filter((f) => prev![f] !== now[f]) : [];
    const from = prev ? Object.fromEntries(changed.map((f) => [f, prev![f]])) : null;
    prev = now;
    return {
      at: new Date(r.at).toISOString(),
      action: r.action,
      by: r.by_user,
      byName: names.get(r.by_user) ?? r.by_user,
      byDepartment: r.by_department,
      ...now,
      changed,
      from,
      leafIndex: Number(r.leaf_index),
    };
  });
  return { userId: opts.userId, events };
}
