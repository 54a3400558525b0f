import { getDb } from "../db/client";
import { AppError } from "../errors";
import type { Viewer } from "../access/viewer";
import type { Scope } from "../access/check-read";
import { requireOwnAdmin } from "../access/require-role";
import { DATASETS } from "../city";
import { assertNarrower, termsFromJson, validateTerms, type GrantArea, type GrantTerms } from "./terms";
import { GRANT_COLUMNS, grantView, rowTerms, selectGrant, type GrantRow } from "./grant-row";
import { recordGrantChange } from "./record-grant-change";
import { announceGrantChange } from "./announce-grant-change";
import { belongedSince } from "../auth/account-history";
import type { SqlTx } from "../db/sql";

export type ApproveInput = {
  scope?: Scope;
  fields?: string[] | null;
  dataFrom?: string | null;
  dataUntil?: string | null;
  /** A circle inside the requested area (or anywhere, when the request had none); null: no area limit. */
  area?: GrantArea | null;
  validUntil?: string;
  note?: string;
};

const conflict = (g: GrantRow, what: string) => new AppError("conflict", `grant ${g.id} is ${g.status}: cannot ${what}`, `grant ${g.id} is ${g.status} and cannot be ${what}d`);

/**
 * The owner department's admin approves a requested grant, as asked or narrower (less
 * detail, fewer fields, a smaller data window, a circle inside the requested area, an earlier
 * expiry). The grant becomes active
 * and a grant.v2 "approve" entry is ledgered in the same transaction. 403 for anyone but
 * an admin of the dataset's department; 409 unless the grant is requested.
 *
 * Separation of duties: the approver (a dept_admin of the owning department, or a sysadmin
 * whose own account is in it: the same rule for both) must have belonged to the owning
 * department since before the request was made, without a break, by their account's ledgered
 * history (account.v1 entries; see belongedSince). So an account moved into a department
 * cannot approve the requests made before the move; nobody moves their own account, so a
 * sysadmin needs a second sysadmin to move them, and that move is on the public ledger before
 * any approval it could serve. Rejecting and revoking are not restricted this way (they
 * withhold data, never release it).
 */
export async function approveGrant(opts: { viewer: Viewer; grantId: string; terms?: ApproveInput; now?: Date }) {
  const now = opts.now ?? new Date();
  const db = await getDb();
  const g = await db.sql.transaction(async (tx) => {
    const cur = await selectGrant(tx, opts.grantId, true);
    const user = requireOwnAdmin(opts.viewer, cur.owner_department_id, "approve access to its data");
    if (cur.status !== "requested") throw conflict(cur, "approve");
    await assertApproverBelongedBefore(tx, user.userId, cur);
    const requested = termsFromJson(cur.requested_terms);
    const t = opts.terms ?? {};
    const approved: GrantTerms = {
      ...requested,
      scope: t.scope ?? requested.scope,
      fields: t.fields === undefined ? requested.fields : t.fields && t.fields.length ? [...new Set(t.fields)] : null,
      dataFrom: t.dataFrom === undefined ? requested.dataFrom : t.dataFrom ? new Date(t.dataFrom) : null,
      dataUntil: t.dataUntil === undefined ? requested.dataUntil : t.dataUntil ? new Date(t.dataUntil) : null,
      area: t.area === undefined ? requested.area : t.area,
      validUntil: t.validUntil ? new Date(t.validUntil) : requested.validUntil,
    };
    const dataset = DATASETS.find((d) => d.id === cur.dataset_id)!;
    validateTerms(approved, Object.keys(dataset.schema.fields), now);
    assertNarrower(approved, requested);
    const [g] = await tx.query<GrantRow>(
      `UPDATE data_grant SET status = 'active', scope = $2, fields = $3, data_from = $4, data_until = $5, valid_until = $6,
              decided_by = $7, decided_at = $8, reason = $9, updated_at = $8, area_lon = $10, area_lat = $11, area_radius_m = $12
        WHERE id = $1 RETURNING ${GRANT_COLUMNS}`,
      [cur.id, approved.scope, approved.fields, approved.dataFrom?.toISOString() ?? null, approved.dataUntil?.toISOString() ?? null,
        approved.validUntil.toISOString(), user.userId, now.toISOString(), t.note ?? null,
        approved.area?.lon ?? null, approved.area?.lat ?? null, approved.area?.radiusM ?? null],
    );
    await recordGrantChange(tx, g, "approve", { userId: user.userId, departmentId: user.departmentId }, now, t.note);
    return g;
  });
  await announceGrantChange(g, "approve");
  return { grant: grantView(g) };
}

/**
 * 403 unless the approver's account belonged to the grant's owning department since before
 * its request entry (their account row is locked for share, so a concurrent move waits).
 */
async function assertApproverBelongedBefore(tx: SqlTx, userId: string, g: GrantRow) {
  const [acct] = await tx.query<{ department_id: string }>(`SELECT department_id FROM auth_user WHERE id = $1 FOR SHARE`, [userId]);
  const [req] = await tx.query<{ leaf: number | null }>(`SELECT min(leaf_index)::int8 AS leaf FROM grant_event WHERE grant_id = $1 AND action = 'request'`, [g.id]);
  const why = !acct
    ? "the approver's account is gone"
    : acct.department_id !== g.owner_department_id
      ? `the approver's account is now in ${acct.department_id}`
      : req?.leaf === null || req?.leaf === undefined
        ? `grant ${g.id} has no ledgered request`
        : await belongedSince(tx, userId, g.owner_department_id, Number(req.leaf)).then((r) => (r.ok ? null : r.why));
  if (why) {
    throw new AppError(
      "forbidden",
      `${userId} may not approve ${g.id}: ${why}`,
      `only an admin who belonged to ${g.owner_department_id} before the request was made may approve it: ${why}`,
      { field: "grantId", why },
    );
  }
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
  await announceGrantChange(g, "reject");
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
  await announceGrantChange(g, "revoke");
  return { grant: grantView(g) };
}

export { rowTerms };
