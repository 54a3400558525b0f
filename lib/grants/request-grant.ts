import crypto from "node:crypto";
import { getDb } from "../db/client";
import { badRequest, notFound } from "../errors";
import type { Viewer } from "../access/viewer";
import type { Scope } from "../access/check-read";
import { requireRole } from "../access/require-role";
import { DATASETS } from "../city";
import { validateTerms, termsJson, type GrantArea, type GrantTerms } from "./terms";
import { GRANT_COLUMNS, grantView, type GrantRow } from "./grant-row";
import { recordGrantChange } from "./record-grant-change";
import { announceGrantChange } from "./announce-grant-change";

export type GrantRequestInput = {
  datasetId: string;
  scope: Scope;
  fields?: string[] | null;
  purpose: string;
  dataFrom?: string | null;
  dataUntil?: string | null;
  area?: GrantArea | null;
  validFrom?: string | null;
  validUntil: string;
};

export const newGrantId = () => `grt_${crypto.randomBytes(8).toString("hex")}`;

/**
 * A department admin asks another department for access to one of its datasets. The
 * request is a grant in status "requested" and a grant.v2 "request" entry on the ledger,
 * written in one transaction. Refused with the reason: unknown dataset (404), not an admin
 * (401/403), a dataset the department owns, an expiry in the past, a window that ends before
 * it starts, unknown fields, an area with no radius (400). An area limits the request to
 * readings within radiusM metres of its centre.
 */
export async function requestGrant(opts: { viewer: Viewer; request: GrantRequestInput; now?: Date }) {
  const user = requireRole(opts.viewer, ["dept_admin", "sysadmin"], "request access to another department's data");
  const r = opts.request;
  const dataset = DATASETS.find((d) => d.id === r.datasetId);
  if (!dataset) throw notFound("dataset", r.datasetId);
  if (dataset.departmentId === user.departmentId) throw badRequest(`datasetId: your department already owns ${dataset.id}`, { path: "datasetId" });
  const now = opts.now ?? new Date();
  const terms: GrantTerms = {
    scope: r.scope,
    fields: r.fields && r.fields.length ? [...new Set(r.fields)] : null,
    dataFrom: r.dataFrom ? new Date(r.dataFrom) : null,
    dataUntil: r.dataUntil ? new Date(r.dataUntil) : null,
    area: r.area ?? null,
    validFrom: r.validFrom ? new Date(r.validFrom) : now,
    validUntil: new Date(r.validUntil),
  };
  validateTerms(terms, Object.keys(dataset.schema.fields), now);
  const db = await getDb();
  const id = newGrantId();
  const grant = await db.sql.transaction(async (tx) => {
    const [g] = await tx.query<GrantRow>(
      `INSERT INTO data_grant (id, dataset_id, owner_department_id, grantee_department_id, scope, fields, purpose, data_from, data_until,
                               valid_from, valid_until, status, requested_terms, requested_by, created_at, updated_at, area_lon, area_lat, area_radius_m)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'requested', $12, $13, $14, $14, $15, $16, $17)
       RETURNING ${GRANT_COLUMNS}`,
      [
        id, dataset.id, dataset.departmentId, user.departmentId, terms.scope, terms.fields, r.purpose,
        terms.dataFrom?.toISOString() ?? null, terms.dataUntil?.toISOString() ?? null,
        terms.validFrom.toISOString(), terms.validUntil.toISOString(), JSON.stringify(termsJson(terms)), user.userId, now.toISOString(),
        terms.area?.lon ?? null, terms.area?.lat ?? null, terms.area?.radiusM ?? null,
      ],
    );
    await recordGrantChange(tx, g, "request", { userId: user.userId, departmentId: user.departmentId }, now);
    return g;
  });
  await announceGrantChange(grant, "request");
  return { grant: grantView(grant) };
}
