import crypto from "node:crypto";
import type { SqlTx } from "../db/sql";
import { appendEntries, type NewEntry } from "../ledger-store/append-entries";
import { isRestrictedDataset, sealLeaf } from "../ledger-store/seal";
import { encodeEntry, type GrantEntry } from "../ledger/entries";
import { datasetById } from "../city";
import type { DatasetId } from "../city/types";
import { rowTerms, type GrantRow } from "./grant-row";
import { termsJson } from "./terms";

export type GrantAction = GrantEntry["action"];
/** Who made a change: a user (with their department), the expiry job, or a rule. */
export type Actor = { userId: string; departmentId: string | null };
export const SYSTEM_ACTOR: Actor = { userId: "system", departmentId: null };

/** The grant.v2 ledger entry of a change to a grant as it stands after the change: every term the access check enforces. */
export function grantEntry(g: GrantRow, action: GrantAction, by: string, at: Date): GrantEntry {
  const t = rowTerms(g);
  const allFields = Object.keys(datasetById(g.dataset_id as DatasetId).schema.fields);
  return {
    kind: "grant.v2",
    grant: g.id,
    action,
    from: g.owner_department_id,
    to: g.grantee_department_id,
    dataset: g.dataset_id,
    scope: t.scope,
    purposeHash: crypto.hash("sha256", g.purpose, "hex"),
    fields: [...(t.fields ?? allFields)].sort(),
    validFrom: t.validFrom.toISOString(),
    validUntil: t.validUntil.toISOString(),
    ...(t.dataFrom ? { dataFrom: t.dataFrom.toISOString() } : {}),
    ...(t.dataUntil ? { dataUntil: t.dataUntil.toISOString() } : {}),
    ...(t.area ? { area: { lon: t.area.lon, lat: t.area.lat, radiusM: t.area.radiusM } } : {}),
    by,
    at: at.toISOString(),
    ...(g.automatic ? { automatic: true } : {}),
    ...(g.rule_id ? { rule: g.rule_id } : {}),
  };
}

/** True if a grant's entries are appended as commitments: its dataset is restricted, or a rule made it. */
export function isSealedGrant(g: Pick<GrantRow, "dataset_id" | "automatic" | "rule_id">): boolean {
  return isRestrictedDataset(g.dataset_id) || !!g.automatic || !!g.rule_id;
}

/**
 * Ledgers a change to a grant inside the caller's transaction (the one that changed the
 * grant row): appends the grant.v2 entry (sealed in a commitment.v1 entry, see isSealedGrant)
 * and the history row it points at. `g` is the
 * grant as it stands after the change. Returns the entry's leaf index.
 */
export async function recordGrantChange(tx: SqlTx, g: GrantRow, action: GrantAction, actor: Actor, at: Date, reason?: string | null): Promise<number> {
  const [{ id }] = await tx.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('grant_event', 'id'))::int8 AS id`);
  const bytes = encodeEntry(grantEntry(g, action, actor.userId, at));
  const clear: NewEntry = { kind: "grant.v2", bytes, refTable: "grant_event", refId: String(id) };
  // A grant of a restricted dataset, or one a linkage rule made (its area and time are an
  // incident's), is on the public log only as a salted commitment (lib/ledger-store/seal.ts).
  const leaf = await appendEntries(tx, [isSealedGrant(g) ? sealLeaf(clear) : clear]);
  await tx.query(
    `INSERT INTO grant_event (id, grant_id, action, by_user, by_department, at, terms, reason, leaf_index)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [id, g.id, action, actor.userId, actor.departmentId, at.toISOString(), JSON.stringify({ ...termsJson(rowTerms(g)), purpose: g.purpose, status: g.status }), reason ?? null, leaf],
  );
  return leaf;
}
