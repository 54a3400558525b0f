// Reporter keys marked abusive (issue 20): a department that received a key's reports marks
// the key (with a reason), the key holder appeals (signing with the key, no account), and the
// department's admin lifts the mark or upholds it. Each step is a reporter.v1 ledger entry
// committing to its text by hash. A marked key's reports are still taken (a real hazard is
// still worth knowing about) but earn no credit, and the key leaves the leaderboard.
import { randomUUID } from "node:crypto";
import type { Viewer } from "../access/viewer";
import { requireDepartmentAdmin, requireRole } from "../access/require-role";
import { getDb } from "../db/client";
import type { Sql, SqlTx } from "../db/sql";
import { AppError } from "../errors";
import { encodeEntry, type ReporterEntry } from "../ledger/entries";
import { appendEntries, type NewEntry } from "../ledger-store/append-entries";
import { appealStatement, reporterIdOf, textHash, UNSIGNED_REPORTER } from "./report-content";
import { requireReporterSignature } from "./list-my-reports";

export type FlagAction = ReporterEntry["action"];
export type FlagStatus = "flagged" | "appealed" | "upheld" | "lifted";

/** What each step needs the key's mark to be (null: never marked), and what it makes it. */
const NEXT: Record<FlagAction, { from: (FlagStatus | null)[]; status: FlagStatus }> = {
  flag: { from: [null, "lifted"], status: "flagged" },
  appeal: { from: ["flagged"], status: "appealed" },
  lift: { from: ["flagged", "appealed", "upheld"], status: "lifted" },
  uphold: { from: ["appealed"], status: "upheld" },
};

/** Marks under which a key earns no credit and is left off the leaderboard. */
export const ABUSIVE_STATUSES: readonly FlagStatus[] = ["flagged", "appealed", "upheld"];

/** The mark a step leaves, or a 409 naming why the current one does not allow it. */
export function nextFlagStatus(current: FlagStatus | null, action: FlagAction): FlagStatus {
  const step = NEXT[action];
  if (!step.from.includes(current)) {
    const why = current === null ? "the key is not marked" : `the key's mark is ${current}`;
    throw new AppError("conflict", `${action}: ${why}; a ${action} needs ${step.from.map((s) => s ?? "no mark").join(" or ")}`);
  }
  return step.status;
}

export type KeyFlag = { reporter: string; department: string; status: FlagStatus; reason: string; appeal: string | null; decisionNote: string | null; flaggedAt: string; updatedAt: string; leafIndex: number };

type FlagRow = { reporter: string; department_id: string; status: FlagStatus; reason: string; appeal: string | null; decision_note: string | null; flagged_at: Date; updated_at: Date; leaf_index: string };
const toFlag = (r: FlagRow): KeyFlag => ({
  reporter: r.reporter,
  department: r.department_id,
  status: r.status,
  reason: r.reason,
  appeal: r.appeal,
  decisionNote: r.decision_note,
  flaggedAt: new Date(r.flagged_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
  leafIndex: Number(r.leaf_index),
});

/** The marks of the given keys (keys never marked are absent). */
export async function keyFlagsOf(sql: Pick<Sql, "query">, reporters: readonly string[]): Promise<Map<string, KeyFlag>> {
  const keys = [...new Set(reporters)].filter((r) => r !== UNSIGNED_REPORTER);
  if (!keys.length) return new Map();
  const rows = await sql.query<FlagRow>(
    `SELECT reporter, department_id, status, reason, appeal, decision_note, flagged_at, updated_at, leaf_index::text FROM citizen_key_flag WHERE reporter = ANY($1::text[])`,
    [keys],
  );
  return new Map(rows.map((r) => [r.reporter, toFlag(r)]));
}

/** True if the key's mark withholds credit. */
export const isAbusive = (flag: KeyFlag | undefined) => !!flag && ABUSIVE_STATUSES.includes(flag.status);

function checkText(field: string, text: string | undefined, max = 2000): string {
  const t = text?.trim() ?? "";
  if (!t) throw new AppError("validation", `${field}: is required`);
  if (t.length > max) throw new AppError("validation", `${field}: at most ${max} characters`);
  return t;
}

/** Applies one step inside a transaction: locks the key's mark, checks the step, appends the entry, writes the rows. */
async function step(
  tx: SqlTx,
  s: { reporter: string; action: FlagAction; department: (current: FlagRow | null) => string; by: string; role: string; text: string; now: Date; check?: (current: FlagRow | null) => void },
): Promise<KeyFlag> {
  const [current] = await tx.query<FlagRow>(
    `SELECT reporter, department_id, status, reason, appeal, decision_note, flagged_at, updated_at, leaf_index::text FROM citizen_key_flag WHERE reporter = $1 FOR UPDATE`,
    [s.reporter],
  );
  s.check?.(current ?? null);
  const status = nextFlagStatus(current?.status ?? null, s.action);
  const department = s.department(current ?? null);
  const id = randomUUID();
  const entry: ReporterEntry = { kind: "reporter.v1", reporter: s.reporter, action: s.action, department, by: s.by, role: s.role, reasonHash: textHash(s.text), at: s.now.toISOString() };
  const newEntry: NewEntry = { kind: "reporter.v1", bytes: encodeEntry(entry), refTable: "citizen_key_flag_event", refId: id };
  const leaf = await appendEntries(tx, [newEntry]);
  if (s.action === "flag") {
    await tx.query(
      `INSERT INTO citizen_key_flag (reporter, department_id, status, reason, appeal, decision_note, flagged_by, flagged_at, updated_at, leaf_index)
       VALUES ($1, $2, $3, $4, NULL, NULL, $5, $6, $6, $7)
       ON CONFLICT (reporter) DO UPDATE SET department_id = $2, status = $3, reason = $4, appeal = NULL, decision_note = NULL, flagged_by = $5, flagged_at = $6, updated_at = $6, leaf_index = $7`,
      [s.reporter, department, status, s.text, s.by, s.now, leaf],
    );
  } else {
    const column = s.action === "appeal" ? "appeal" : "decision_note";
    await tx.query(`UPDATE citizen_key_flag SET status = $2, ${column} = $3, updated_at = $4, leaf_index = $5 WHERE reporter = $1`, [s.reporter, status, s.text, s.now, leaf]);
  }
  await tx.query(
    `INSERT INTO citizen_key_flag_event (id, reporter, action, status, by_id, role, department_id, note, at, leaf_index) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [id, s.reporter, s.action, status, s.by, s.role, department, s.text, s.now, leaf],
  );
  const [row] = await tx.query<FlagRow>(
    `SELECT reporter, department_id, status, reason, appeal, decision_note, flagged_at, updated_at, leaf_index::text FROM citizen_key_flag WHERE reporter = $1`,
    [s.reporter],
  );
  return toFlag(row);
}

/**
 * A department marks a reporter key abusive (an official or admin of a department that
 * received at least one of the key's reports), or its admin decides on the mark: "lift"
 * (flagged, appealed or upheld: credit resumes for later confirmations) or "uphold" (an
 * appealed mark stays). Every step needs its reason or note.
 */
export async function markReporterKey(opts: { viewer: Viewer; reporter: string; action: Exclude<FlagAction, "appeal">; note?: string; now?: Date }): Promise<KeyFlag> {
  const user = requireRole(opts.viewer, ["official", "dept_admin", "sysadmin"], "mark reporter keys");
  if (!/^rk-[0-9a-f]{32}$/.test(opts.reporter)) throw new AppError("validation", `reporter: ${opts.reporter} is not a reporter key id (rk- and 32 hex digits)`);
  const text = checkText(opts.action === "flag" ? "note (the reason)" : "note", opts.note);
  const now = opts.now ?? new Date();
  const { sql } = await getDb();
  if (opts.action === "flag" && user.role !== "sysadmin") {
    const [seen] = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM citizen_report WHERE reporter = $1 AND department_id = $2`, [opts.reporter, user.departmentId]);
    if (!seen || seen.n === 0) throw new AppError("forbidden", `no report of ${opts.reporter} reached department ${user.departmentId}`);
  }
  return sql.transaction((tx) =>
    step(tx, {
      reporter: opts.reporter,
      action: opts.action,
      by: user.userId,
      role: user.role,
      text,
      now,
      department: (current) => (opts.action === "flag" ? user.departmentId : current!.department_id),
      check: (current) => {
        // A decision is the flagging department's admin's (the state check names a missing mark first).
        if (opts.action !== "flag" && current) requireDepartmentAdmin(opts.viewer, current.department_id);
      },
    }),
  );
}

/**
 * The key holder appeals a mark on their key, without an account: they sign
 * appealStatement(key, text, at) with the key, `at` within 5 minutes of the server's clock.
 */
export async function appealReporterKey(opts: { reporter: string; reporterKey: string; text: string; at: string; signature: string; now?: Date }): Promise<KeyFlag> {
  const now = opts.now ?? new Date();
  const t = Date.parse(opts.at);
  if (!Number.isFinite(t) || Math.abs(now.getTime() - t) > 5 * 60_000) throw new AppError("validation", "at: must be within 5 minutes of the server's clock");
  const text = checkText("text", opts.text);
  const key = await requireReporterSignature(opts.reporterKey, opts.signature, appealStatement(opts.reporterKey, opts.text, opts.at));
  const reporter = reporterIdOf(key);
  if (reporter !== opts.reporter) throw new AppError("validation", `reporter_key: is the key of ${reporter}, not ${opts.reporter}`);
  const { sql } = await getDb();
  return sql.transaction((tx) => step(tx, { reporter, action: "appeal", by: reporter, role: "reporter", text, now, department: (current) => current!.department_id }));
}
