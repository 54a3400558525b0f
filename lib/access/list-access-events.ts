import { getDb } from "../db/client";
import type { Viewer } from "./viewer";
import { requireRole } from "./require-role";
import { AppError } from "../errors";

export type AccessLogFilter = {
  viewer: Viewer;
  dataset?: string;
  department?: string;
  grant?: string;
  /** The reader: a user id or e-mail address. */
  user?: string;
  /** The reader's department. */
  reader?: string;
  /** Events at or after this instant, and before `to`. */
  from?: string;
  to?: string;
};

/**
 * The access log's filter as SQL over access_event e (joined with auth_user u): auditors see
 * every department's reads, a department's admins (and sysadmins) those of the datasets
 * their department owns; anything else is refused naming whose data it is.
 */
function accessWhere(opts: AccessLogFilter): { where: string[]; params: unknown[] } {
  const user = requireRole(opts.viewer, ["dept_admin", "auditor", "sysadmin"], "see who read data");
  const owner = user.role === "auditor" ? opts.department : (opts.department ?? user.departmentId);
  if (user.role !== "auditor" && owner !== user.departmentId)
    throw new AppError("forbidden", `${user.departmentId} may not see reads of ${owner}'s data`, `only ${owner}'s admins and auditors may see reads of its data`);
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (cond: string, v: unknown) => {
    params.push(v);
    where.push(cond.replaceAll("?", `$${params.length}`));
  };
  if (owner) add("e.owner_department_id = ?", owner);
  if (opts.dataset) add("e.dataset_id = ?", opts.dataset);
  if (opts.grant) add("e.grant_id = ?", opts.grant);
  if (opts.user) add("(e.user_id = ? OR u.email = ?)", opts.user);
  if (opts.reader) add("e.department_id = ?", opts.reader);
  if (opts.from) add("e.at >= ?::timestamptz", opts.from);
  if (opts.to) add("e.at < ?::timestamptz", opts.to);
  return { where, params };
}

/**
 * Reads of data, newest first: auditors see every department's, a department's admins
 * the reads of the datasets their department owns. Each event says who read (user,
 * department, role), which dataset, how many records over which time range, on what basis
 * (ownership, grant id, public) and at what scope, and the access.v1 batch it was ledgered in.
 */
export async function listAccessEvents(opts: AccessLogFilter & { before?: number; limit?: number }) {
  const { where, params } = accessWhere(opts);
  if (opts.before) {
    params.push(opts.before);
    where.push(`e.id < $${params.length}`);
  }
  params.push(opts.limit ?? 100);
  const db = await getDb();
  const rows = await db.sql.query<{
    id: number; at: Date; user_id: string | null; user_name: string | null; user_email: string | null; department_id: string | null; role: string | null;
    dataset_id: string; owner_department_id: string; basis: string; grant_id: string | null; scope: string; action: string;
    record_count: number | null; range_from: Date | null; range_until: Date | null; batch_id: string | null; leaf_index: number | null;
  }>(
    `SELECT e.id, e.at, e.user_id, u.name AS user_name, u.email AS user_email, e.department_id, e.role, e.dataset_id, e.owner_department_id,
            e.basis, e.grant_id, e.scope, e.action, e.record_count, e.range_from, e.range_until, e.batch_id, b.leaf_index
       FROM access_event e LEFT JOIN auth_user u ON u.id = e.user_id LEFT JOIN access_batch b ON b.id = e.batch_id
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY e.id DESC LIMIT $${params.length}`,
    params,
  );
  const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());
  return {
    events: rows.map((r) => ({
      id: Number(r.id),
      at: iso(r.at)!,
      userId: r.user_id,
      // A department system account reads as "API key <id>" or "OAuth client <id>".
      user: r.user_id?.startsWith("apikey:") ? `API key ${r.user_id.slice(7)}` : r.user_id?.startsWith("oauth:") ? `OAuth client ${r.user_id.slice(6)}` : r.user_id ? `${r.user_name ?? "?"} <${r.user_email ?? "?"}>` : null,
      departmentId: r.department_id,
      role: r.role,
      datasetId: r.dataset_id,
      ownerDepartmentId: r.owner_department_id,
      basis: r.basis,
      grantId: r.grant_id,
      scope: r.scope,
      action: r.action,
      count: r.record_count,
      from: iso(r.range_from),
      until: iso(r.range_until),
      batchId: r.batch_id,
      leafIndex: r.leaf_index === null ? null : Number(r.leaf_index),
    })),
  };
}

export type AccessGroupBy = "reader" | "dataset" | "grant" | "hour";

/**
 * The access log grouped (a minute of map use makes dozens of events): per reader (user),
 * dataset, grant or hour, the number of events, the records returned and the first and last
 * read, largest groups first. Same filter and entitlement as listAccessEvents.
 */
export async function groupAccessEvents(opts: AccessLogFilter & { by: AccessGroupBy; limit?: number }) {
  const { where, params } = accessWhere(opts);
  const key = {
    reader: "coalesce(e.user_id, '')",
    dataset: "e.dataset_id",
    grant: "coalesce(e.grant_id, '')",
    hour: "to_char(date_trunc('hour', e.at AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')",
  }[opts.by];
  params.push(opts.limit ?? 200);
  const db = await getDb();
  const rows = await db.sql.query<{ key: string; events: number; records: number | null; first_at: Date; last_at: Date; user_name: string | null; user_email: string | null; department_id: string | null; datasets: number }>(
    `SELECT ${key} AS key, count(*)::int AS events, sum(e.record_count)::int8 AS records, min(e.at) AS first_at, max(e.at) AS last_at,
            min(u.name) AS user_name, min(u.email) AS user_email, min(e.department_id) AS department_id, count(DISTINCT e.dataset_id)::int AS datasets
       FROM access_event e LEFT JOIN auth_user u ON u.id = e.user_id
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      GROUP BY 1 ORDER BY ${opts.by === "hour" ? "1 DESC" : "2 DESC, 1"} LIMIT $${params.length}`,
    params,
  );
  return {
    by: opts.by,
    groups: rows.map((r) => ({
      key: r.key === "" ? null : r.key,
      label: opts.by === "reader" && r.key !== "" ? `${r.user_name ?? "?"} <${r.user_email ?? "?"}>` : null,
      departmentId: opts.by === "reader" ? r.department_id : null,
      events: Number(r.events),
      records: r.records === null ? null : Number(r.records),
      datasets: Number(r.datasets),
      first: new Date(r.first_at).toISOString(),
      last: new Date(r.last_at).toISOString(),
    })),
  };
}

const CSV_COLUMNS = ["id", "at", "userId", "user", "departmentId", "role", "datasetId", "ownerDepartmentId", "basis", "grantId", "scope", "action", "count", "from", "until", "batchId", "leafIndex"] as const;
/** At most this many events in one export; the file says so in its last line when cut. */
export const CSV_MAX_EVENTS = 50_000;

const csvCell = (v: unknown) => {
  if (v === null || v === undefined) return "";
  const s = String(v);
  // Quote what needs it, and defuse spreadsheet formulas (a value starting with = + - @).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** The filtered access log as CSV (RFC 4180, UTF-8 with a BOM so spreadsheet programs read Chinese names), newest first. */
export async function exportAccessEventsCsv(opts: AccessLogFilter): Promise<{ csv: string; events: number; truncated: boolean }> {
  const { events } = await listAccessEvents({ ...opts, limit: CSV_MAX_EVENTS + 1 });
  const truncated = events.length > CSV_MAX_EVENTS;
  const rows = events.slice(0, CSV_MAX_EVENTS).map((e) => CSV_COLUMNS.map((c) => csvCell(e[c])).join(","));
  const lines = [CSV_COLUMNS.join(","), ...rows];
  if (truncated) lines.push(`# cut at ${CSV_MAX_EVENTS} events: narrow the date range for the rest`);
  return { csv: `\ufeff${lines.join("\r\n")}\r\n`, events: rows.length, truncated };
}
