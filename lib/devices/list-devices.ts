import { getDb } from "../db/client";
import type { Viewer } from "../access/viewer";
import { adminListDepartment } from "../access/require-role";
import { containsPattern, SqlFilter } from "../db/sql-filter";
import { keyFingerprint } from "./device-entry";

export type DeviceListItem = {
  id: string;
  kind: string;
  departmentId: string;
  datasetId: string;
  status: string;
  statusReason: string | null;
  keyFingerprint: string | null;
  lastSeq: number;
  location: [number, number];
  updatedAt: string;
  /** A gateway quarantined for carrying a reading whose device signature did not verify, else null. */
  quarantine: { since: string; reason: string | null } | null;
  suspectUntil: string | null;
};

/**
 * A department's devices for its admins: search by id, kind or dataset (case-insensitive
 * substring), filter by status ("active", "revoked" or "unkeyed"), newest change first.
 * A sysadmin may list any department or, without one, all of them.
 */
export async function listDevices(opts: {
  viewer: Viewer;
  department?: string;
  q?: string;
  status?: "active" | "revoked" | "unkeyed";
  limit?: number;
  offset?: number;
}): Promise<{ total: number; devices: DeviceListItem[] }> {
  const department = adminListDepartment(opts.viewer, opts.department);
  const db = await getDb();
  const filter = new SqlFilter().whereGiven(department, (p) => `department_id = ${p}`);
  if (opts.q) filter.where(containsPattern(opts.q), (p) => `(id ILIKE ${p} OR kind ILIKE ${p} OR dataset_id ILIKE ${p})`);
  if (opts.status === "unkeyed") filter.whereSql(`public_key IS NULL`);
  else filter.whereGiven(opts.status, (p) => `public_key IS NOT NULL AND status = ${p}`);
  const { clause: w, params } = filter;
  const [{ n }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM device ${w}`, params);
  const limit = Math.min(500, Math.max(1, opts.limit ?? 50));
  const rows = await db.sql.query<{
    id: string;
    kind: string;
    department_id: string;
    dataset_id: string;
    status: string;
    status_reason: string | null;
    public_key: Uint8Array | null;
    last_seq: number;
    lon: number;
    lat: number;
    updated_at: Date;
    quarantined_at: Date | null;
    quarantine_reason: string | null;
    suspect_until: Date | null;
  }>(
    `SELECT id, kind, department_id, dataset_id, status, status_reason, public_key, last_seq, lon, lat, updated_at, quarantined_at, quarantine_reason, suspect_until
       FROM device ${w} ORDER BY updated_at DESC, id LIMIT ${limit} OFFSET ${Math.max(0, opts.offset ?? 0)}`,
    params,
  );
  return {
    total: Number(n),
    devices: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      departmentId: r.department_id,
      datasetId: r.dataset_id,
      status: r.public_key ? r.status : "unkeyed",
      statusReason: r.status_reason,
      keyFingerprint: keyFingerprint(r.public_key),
      lastSeq: Number(r.last_seq),
      location: [r.lon, r.lat],
      updatedAt: new Date(r.updated_at).toISOString(),
      quarantine: r.quarantined_at ? { since: new Date(r.quarantined_at).toISOString(), reason: r.quarantine_reason } : null,
      suspectUntil: r.suspect_until ? new Date(r.suspect_until).toISOString() : null,
    })),
  };
}
