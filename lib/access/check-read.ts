import type { Sql, SqlTx } from "../db/sql";
import { AppError, notFound } from "../errors";
import type { Viewer } from "./viewer";
import { explainNoAccess, type NoAccessReason } from "./explain-no-access";
import { accessSwitches } from "./bench-switches";

export type Scope = "raw" | "anonymized" | "aggregated";
export type Area = { center: [number, number]; radiusM: number };

/**
 * Why the viewer may read a dataset, and at what level of detail. Read use cases apply it
 * in their queries: `fields` (null: every field), the data `window` of observed times and
 * the `area` restrict which readings and values are returned; `scope` says whether they
 * are returned as they are (raw), with identifying fields dropped and the rest coarsened
 * (anonymized), or only as aggregates (aggregated).
 */
export type ReadBasis = {
  datasetId: string;
  ownerDepartmentId: string;
  basis: "public" | "ownership" | "grant";
  scope: Scope;
  fields: string[] | null;
  window: { from: string | null; until: string | null };
  area: Area | null;
  grantId?: string;
  /** When the grant ends. */
  validUntil?: string;
};

/** The part of a basis that data endpoints return as `access`, so the UI can say why data is partial. */
export type AccessInfo = {
  basis: ReadBasis["basis"];
  scope: Scope;
  grantId?: string;
  fields?: string[];
  window?: { from: string | null; until: string | null };
  area?: Area;
  validUntil?: string;
  /** Why the data is partial, in words (English), when it is. */
  reason?: string;
};

export const SCOPE_RANK: Record<Scope, number> = { raw: 0, anonymized: 1, aggregated: 2 };

type Row = {
  department_id: string;
  sensitivity: string;
  grant_id: string | null;
  scope: Scope | null;
  fields: string[] | null;
  data_from: Date | null;
  data_until: Date | null;
  area_lon: number | null;
  area_lat: number | null;
  area_radius_m: number | null;
  valid_until: Date | null;
};

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/**
 * The one access check every data read goes through. Returns why the viewer may read the
 * dataset: its department owns it, an active grant to its department (the broadest one when
 * there are several: raw before anonymized before aggregated, whole city before an area,
 * then the longest-lived), or the dataset is public. Throws 404 for an unknown dataset,
 * and 403 saying why otherwise (never granted, revoked, expired, or a guest). Reads the
 * database on every call: a revocation or expiry takes effect on the next request.
 */
export async function checkRead(sql: Sql | SqlTx, viewer: Viewer, datasetId: string): Promise<ReadBasis> {
  const department = viewer.kind === "user" ? viewer.departmentId : null;
  if (!accessSwitches.check && accessSwitches.fixed) return accessSwitches.fixed(datasetId);
  const rows = await sql.query<Row>(
    `SELECT d.department_id, d.sensitivity, g.id AS grant_id, g.scope, g.fields, g.data_from, g.data_until,
            g.area_lon, g.area_lat, g.area_radius_m, g.valid_until
       FROM dataset d
       LEFT JOIN LATERAL (
         SELECT id, scope, fields, data_from, data_until, area_lon, area_lat, area_radius_m, valid_until
           FROM data_grant
          WHERE dataset_id = d.id AND grantee_department_id = $2 AND status = 'active'
            AND valid_from <= now() AND valid_until > now()
          ORDER BY CASE scope WHEN 'raw' THEN 0 WHEN 'anonymized' THEN 1 ELSE 2 END,
                   (area_radius_m IS NOT NULL), valid_until DESC, id
          LIMIT 1) g ON d.department_id <> $2
      WHERE d.id = $1`,
    [datasetId, department],
  );
  if (rows.length === 0) throw notFound("dataset", datasetId);
  const r = rows[0];
  const base = { datasetId, ownerDepartmentId: r.department_id };
  const whole = { fields: null, window: { from: null, until: null }, area: null };
  if (department !== null && department === r.department_id) return { ...base, basis: "ownership", scope: "raw", ...whole };
  if (r.sensitivity === "public") return { ...base, basis: "public", scope: "raw", ...whole };
  if (r.grant_id && r.scope) {
    return {
      ...base,
      basis: "grant",
      scope: r.scope,
      grantId: r.grant_id,
      fields: r.fields,
      window: { from: iso(r.data_from), until: iso(r.data_until) },
      area: r.area_radius_m !== null && r.area_lon !== null && r.area_lat !== null ? { center: [r.area_lon, r.area_lat], radiusM: r.area_radius_m } : null,
      validUntil: iso(r.valid_until) ?? undefined,
    };
  }
  const why = await explainNoAccess(sql, viewer, datasetId);
  throw new AppError("forbidden", `viewer may not read dataset ${datasetId}: ${why.code}`, why.message, why);
}

/** checkRead that answers null instead of throwing 403 (lists of datasets). */
export async function tryCheckRead(sql: Sql | SqlTx, viewer: Viewer, datasetId: string): Promise<ReadBasis | { denied: NoAccessReason }> {
  try {
    return await checkRead(sql, viewer, datasetId);
  } catch (e) {
    if (e instanceof AppError && e.code === "forbidden") return { denied: e.details as NoAccessReason };
    throw e;
  }
}

/** What a data endpoint tells the client about the basis of its answer. */
export function accessInfo(b: ReadBasis): AccessInfo {
  const partial: string[] = [];
  if (b.scope === "aggregated") partial.push("aggregates only");
  if (b.scope === "anonymized") partial.push("identifying fields dropped, location and time coarsened");
  if (b.fields) partial.push(`fields ${b.fields.join(", ")} only`);
  if (b.window.from || b.window.until) partial.push(`data observed ${b.window.from ?? "…"} to ${b.window.until ?? "…"} only`);
  if (b.area) partial.push(`within ${Math.round(b.area.radiusM)} m of ${b.area.center.map((x) => x.toFixed(4)).join(", ")} only`);
  return {
    basis: b.basis,
    scope: b.scope,
    ...(b.grantId ? { grantId: b.grantId } : {}),
    ...(b.fields ? { fields: b.fields } : {}),
    ...(b.window.from || b.window.until ? { window: b.window } : {}),
    ...(b.area ? { area: b.area } : {}),
    ...(b.validUntil ? { validUntil: b.validUntil } : {}),
    ...(partial.length ? { reason: `under grant ${b.grantId}: ${partial.join("; ")}` } : {}),
  };
}

/**
 * The city's ledger (checkpoints, hash tiles, entry bundles, proofs) is public by design:
 * entries hold hashes of payloads, not the data, so anyone (another city, a journalist)
 * can verify the log with standard transparency-log tools. Reads still pass through here
 * so the policy has one place to change.
 */
export function checkLedgerRead(_viewer: Viewer): { basis: "public-ledger" } {
  return { basis: "public-ledger" };
}

/**
 * For views that can only show readings as they are (per-device values, live streams):
 * throws 403 naming the scope the viewer holds and where its data can be read instead.
 */
export function requireRawScope(b: ReadBasis, view: string): void {
  if (b.scope === "raw") return;
  throw new AppError(
    "forbidden",
    `${view} needs raw access to ${b.datasetId}; the viewer holds ${b.scope} under grant ${b.grantId}`,
    `${view} shows raw readings; your department holds ${b.scope} access to ${b.datasetId} (grant ${b.grantId}): read it at /api/datasets/${b.datasetId}/readings`,
  );
}
