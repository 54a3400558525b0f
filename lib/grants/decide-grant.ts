import { getDb } from "../db/client";
import { AppError } from "../errors";
import type { Viewer } from "../access/viewer";
import type { Scope } from "../access/check-read";
import { requireOwnAdmin } from "../access/require-role";
import { DATASETS } from "../city";
import { assertNarrower, termsFromJson, validateTerms, type GrantTerms } from "./terms";
import { GRANT_COLUMNS, grantView, rowTerms, selectGrant, type GrantRow } from "./grant-row";
import { recordGrantChange } from "./record-grant-change";
import { announceGrantChange } from "./announce-grant-change";

export type ApproveInput = {
  scope?: Scope;
  fields?: string[] | null;
  dataFrom?: string | null;
  dataUntil?: string | null;
  validUntil?: string;
  note?: string;
};

const conflict = (g: GrantRow, what: string) => new AppError("conflict", `grant ${g.id} is ${g.status}: cannot ${what}`, `grant ${g.id} is ${g.status} and cannot be ${what}d`);

/**
 * The owner department's admin approves a requested grant, as asked or narrower (less
 * detail, fewer fields, a smaller data window, an earlier expiry). The grant becomes active
 * and a grant.v2 "approve" entry is ledgered in the same transaction. 403 for anyone but
 * an admin of the dataset's department; 409 unless the grant is requested.
 */
export async function approveGrant(opts: { viewer: Viewer; grantId: string; terms?: ApproveInput; now?: Date }) {
  const now = opts.now ?? new Date();
  const db = await getDb();
  const g = await db.sql.transaction(async (tx) => {
    const cur = await selectGrant(tx, opts.grantId, true);
    const user = requireOwnAdmin(opts.viewer, cur.owner_department_id, "approve access to its data");
    if (cur.status !== "requested") throw conflict(cur, "approve");
    const requested = termsFromJson(cur.requested_terms);
    const t = opts.terms ?? {};
    const approved: GrantTerms = {
      ...requested,
      scope: t.scope ?? requested.scope,
      fields: t.fields === undefined ? requested.fields : t.fields && t.fields.length ? [...new Set(t.fields)] : null,
      dataFrom: t.dataFrom === undefined ? requested.dataFrom : t.dataFrom ? new Date(t.dataFrom) : null,
      dataUntil: t.dataUntil === undefined ? requested.dataUntil : t.dataUntil ? new Date(t.dataUntil) : null,
      validUntil: t.validUntil ? new Date(t.validUntil) : requested.validUntil,
    };
    const dataset = DATASETS.find((d) => d.id === cur.dataset_id)!;
    validateTerms(approved, Object.keys(dataset.schema.fields), now);
    assertNarrower(approved, requested);
    const [g] = await tx.query<GrantRow>(
      `UPDATE data_grant SET status = 'active', scope = $2, fields = $3, data_from = $4, data_until = $5, valid_until = $6,
              decided_by = $7, decided_at = $8, reason = $9, updated_at = $8
        WHERE id = $1 RETURNING ${GRANT_COLUMNS}`,
      [cur.id, approved.scope, approved.fields, approved.dataFrom?.toISOString() ?? null, approved.dataUntil?.toISOString() ?? null,
        approved.validUntil.toISOString(), user.userId, now.toISOString(), t.note ?? null],
    );
    await recordGrantChange(tx, g, "approve", { userId: user.userId, departmentId: user.departmentId }, now, t.note);
    return g;
  });
  announceGrantChange(g, "approve");
  return { grant: grantView(g) };
}

/** The owner department's admin rejects a requested grant with a reason (a grant.v2 "reject" entry). */
export async function rejectGrant(opts: { viewer: Viewer; grantId: string; reason: string; now?: Date }) {
  const now = opts.now ?? new Date();
  const db = await getDb();
  const g = await db.sql.transaction(async (tx) => {
    const cur = await selectGrant(tx, opts.grantId, true);
    const user = requireOwnAdmin(opts.viewer, cur.owner_department_id, "reject requests for its data");
    if (cur.status !== "requested") throw conflict(cur, "reject");
    const [g] = await tx.query<GrantRow>(
      `UPDATE data_grant SET status = 'rejected', decided_by = $2, decided_at = $3, reason = $4, updated_at = $3 WHERE id = $1 RETURNING ${GRANT_COLUMNS}`,
      [cur.id, user.userId, now.toISOString(), opts.reason],
    );
    await recordGrantChange(tx, g, "reject", { userId: user.userId, departmentId: user.departmentId }, now, opts.reason);
    return g;
  });
  announceGrantChange(g, "reject");
  return { grant: grantView(g) };
}

/**
 * Revokes an active grant at any time, with a reason (a grant.v2 "revoke" entry): the
 * owner department's admins, or a sysadmin (emergency stop). The grantee's next read is
 * refused. A pending request can be withdrawn the same way by the owner.
 */
export async function revokeGrant(opts: { viewer: Viewer; grantId: string; reason: string; now?: Date }) {
  const now = opts.now ?? new Date();
  const db = await getDb();
  const g = await db.sql.transaction(async (tx) => {
    const cur = await selectGrant(tx, opts.grantId, true);
    const user =
      opts.viewer.kind === "user" && opts.viewer.role === "sysadmin" ? opts.viewer : requireOwnAdmin(opts.viewer, cur.owner_department_id, "revoke access to its data");
    if (cur.status !== "active" && cur.status !== "requested") throw conflict(cur, "revoke");
    const [g] = await tx.query<GrantRow>(
      `UPDATE data_grant SET status = 'revoked', ended_by = $2, ended_at = $3, reason = $4, updated_at = $3 WHERE id = $1 RETURNING ${GRANT_COLUMNS}`,
      [cur.id, user.userId, now.toISOString(), opts.reason],
    );
    await recordGrantChange(tx, g, "revoke", { userId: user.userId, departmentId: user.departmentId }, now, opts.reason);
    return g;
  });
  announceGrantChange(g, "revoke");
  return { grant: grantView(g) };
}

export { rowTerms };
