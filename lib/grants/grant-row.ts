import type { Sql, SqlTx } from "../db/sql";
import type { Scope } from "../access/check-read";
import { notFound } from "../errors";
import type { GrantTerms, TermsJson } from "./terms";

export type GrantStatus = "requested" | "active" | "rejected" | "revoked" | "expired";

export type GrantRow = {
  id: string;
  dataset_id: string;
  owner_department_id: string;
  grantee_department_id: string;
  scope: Scope;
  fields: string[] | null;
  purpose: string;
  data_from: Date | null;
  data_until: Date | null;
  area_lon: number | null;
  area_lat: number | null;
  area_radius_m: number | null;
  valid_from: Date;
  valid_until: Date;
  status: GrantStatus;
  requested_terms: TermsJson;
  requested_by: string;
  decided_by: string | null;
  decided_at: Date | null;
  ended_by: string | null;
  ended_at: Date | null;
  reason: string | null;
  automatic: boolean;
  rule_id: string | null;
  trigger_ref: string | null;
  created_at: Date;
  updated_at: Date;
};

export const GRANT_COLUMNS = `id, dataset_id, owner_department_id, grantee_department_id, scope, fields, purpose, data_from, data_until,
  area_lon, area_lat, area_radius_m, valid_from, valid_until, status, requested_terms, requested_by, decided_by, decided_at,
  ended_by, ended_at, reason, automatic, rule_id, trigger_ref, created_at, updated_at`;

/** A grant row, locked for update when asked; 404 when there is none. */
export async function selectGrant(tx: Sql | SqlTx, id: string, forUpdate = false): Promise<GrantRow> {
  const rows = await tx.query<GrantRow>(`SELECT ${GRANT_COLUMNS} FROM data_grant WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`, [id]);
  if (!rows[0]) throw notFound("grant", id);
  return rows[0];
}

const d = (v: Date | string | null) => (v === null ? null : new Date(v));

export function rowTerms(g: GrantRow): GrantTerms {
  return {
    scope: g.scope,
    fields: g.fields,
    dataFrom: d(g.data_from),
    dataUntil: d(g.data_until),
    area: g.area_radius_m !== null && g.area_lon !== null && g.area_lat !== null ? { lon: g.area_lon, lat: g.area_lat, radiusM: g.area_radius_m } : null,
    validFrom: new Date(g.valid_from),
    validUntil: new Date(g.valid_until),
  };
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

/** A grant as the API returns it. */
export function grantView(g: GrantRow) {
  return {
    id: g.id,
    datasetId: g.dataset_id,
    ownerDepartmentId: g.owner_department_id,
    granteeDepartmentId: g.grantee_department_id,
    scope: g.scope,
    fields: g.fields,
    purpose: g.purpose,
    dataFrom: iso(g.data_from),
    dataUntil: iso(g.data_until),
    area: g.area_radius_m !== null && g.area_lon !== null && g.area_lat !== null ? { lon: g.area_lon, lat: g.area_lat, radiusM: g.area_radius_m } : null,
    validFrom: iso(g.valid_from)!,
    validUntil: iso(g.valid_until)!,
    status: g.status,
    requestedTerms: g.requested_terms,
    requestedBy: g.requested_by,
    decidedBy: g.decided_by,
    decidedAt: iso(g.decided_at),
    endedBy: g.ended_by,
    endedAt: iso(g.ended_at),
    reason: g.reason,
    automatic: g.automatic,
    ruleId: g.rule_id,
    triggerRef: g.trigger_ref,
    createdAt: iso(g.created_at)!,
    updatedAt: iso(g.updated_at)!,
  };
}
export type GrantView = ReturnType<typeof grantView>;
