import { getDb } from "../db/client";
import type { Viewer } from "../access/viewer";
import { adminListDepartment } from "../access/require-role";
import { SqlFilter } from "../db/sql-filter";
import { deadLetterCap } from "./dead-letter-cap";

/** Refusals not kept since the process started because the cap on dead letters per minute was reached. */
export type DroppedDeadLetters = { count: number; lastAt: string | null; maxPerMinute: number };

export type DeadLetterItem = {
  id: number;
  receivedAt: string;
  source: string;
  sourceDetail: string | null;
  reason: string;
  reasonText: string;
  fieldPath: string | null;
  deviceId: string | null;
  departmentId: string | null;
  gatewayDeviceId: string | null;
  rawSize: number;
  /** The raw message as text (invalid UTF-8 replaced), at most 2,000 characters. */
  rawPreview: string;
};

/**
 * Refused messages of a department for its admins, newest first, with counts by reason.
 * Messages whose department is unknown (unknown devices on no department's topic) are
 * shown to sysadmins, who may also list every department at once.
 */
export async function listDeadLetters(opts: {
  viewer: Viewer;
  department?: string;
  reason?: string;
  device?: string;
  limit?: number;
  before?: number;
}): Promise<{ total: number; counts: { reason: string; count: number }[]; items: DeadLetterItem[]; dropped: DroppedDeadLetters }> {
  const department = adminListDepartment(opts.viewer, opts.department);
  const db = await getDb();
  const byDepartment = new SqlFilter().whereGiven(department, (p) => `department_id = ${p}`);
  const { clause: countWhere, params: countParams } = byDepartment;
  const filter = byDepartment
    .copy()
    .whereGiven(opts.reason, (p) => `reason = ${p}`)
    .whereGiven(opts.device, (p) => `device_id = ${p}`)
    .whereGiven(opts.before || undefined, (p) => `id < ${p}`);
  const { clause: w, params } = filter;
  const counts = await db.sql.query<{ reason: string; n: number }>(
    `SELECT reason, count(*)::int AS n FROM dead_letter ${countWhere} GROUP BY reason ORDER BY n DESC, reason`,
    countParams,
  );
  const limit = Math.min(500, Math.max(1, opts.limit ?? 50));
  const rows = await db.sql.query<{
    id: number;
    received_at: Date;
    source: string;
    source_detail: string | null;
    reason: string;
    reason_text: string;
    field_path: string | null;
    device_id: string | null;
    department_id: string | null;
    gateway_device_id: string | null;
    raw_size: number;
    raw: Uint8Array;
  }>(
    `SELECT id, received_at, source, source_detail, reason, reason_text, field_path, device_id, department_id, gateway_device_id, raw_size,
            substring(raw from 1 for 8000) AS raw
       FROM dead_letter ${w} ORDER BY id DESC LIMIT ${limit}`,
    params,
  );
  const dec = new TextDecoder("utf-8", { fatal: false });
  return {
    total: counts.reduce((s, c) => s + Number(c.n), 0),
    counts: counts.map((c) => ({ reason: c.reason, count: Number(c.n) })),
    items: rows.map((r) => ({
      id: Number(r.id),
      receivedAt: new Date(r.received_at).toISOString(),
      source: r.source,
      sourceDetail: r.source_detail,
      reason: r.reason,
      reasonText: r.reason_text,
      fieldPath: r.field_path,
      deviceId: r.device_id,
      departmentId: r.department_id,
      gatewayDeviceId: r.gateway_device_id,
      rawSize: Number(r.raw_size),
      rawPreview: dec.decode(r.raw).slice(0, 2000),
    })),
    dropped: deadLetterCap().dropped(),
  };
}
