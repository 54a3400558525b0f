import crypto from "node:crypto";
import type { SqlTx } from "../db/sql";
import { getDb } from "../db/client";
import { revokeGrant } from "../grants/decide-grant";
import { grantForOpenIncidents } from "./run-rules";
import { AppError, notFound } from "../errors";
import type { Viewer } from "../access/viewer";
import { requireRole } from "../access/require-role";
import { appendEntries } from "../ledger-store/append-entries";
import { encodeEntry } from "../ledger/entries";
import { definitionHash, RuleDefinitionSchema, type RuleDefinition } from "./definition";

type RuleRow = {
  id: string;
  name: string;
  enabled: boolean;
  definition: RuleDefinition;
  version: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  retired_at: Date | null;
};
const COLS = `id, name, enabled, definition, version, created_by, created_at, updated_at, retired_at`;

export function ruleView(r: RuleRow) {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    definition: r.definition,
    version: r.version,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    retiredAt: r.retired_at ? new Date(r.retired_at).toISOString() : null,
  };
}

/** Ledgers a rule change (rule.v1 committing to the definition's hash) with its history row, in the caller's transaction. */
async function recordRuleChange(tx: SqlTx, r: RuleRow, action: "create" | "update" | "retire", by: string, at: Date) {
  const [{ id }] = await tx.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('rule_event', 'id'))::int8 AS id`);
  const bytes = encodeEntry({ kind: "rule.v1", rule: r.id, action, definitionHash: definitionHash(r.id, r.version, r.definition), by, at: at.toISOString() });
  const leaf = await appendEntries(tx, [{ kind: "rule.v1", bytes, refTable: "rule_event", refId: String(id) }]);
  await tx.query(`INSERT INTO rule_event (id, rule_id, action, definition, by_user, at, leaf_index) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
    id, r.id, action, JSON.stringify(r.definition), by, at.toISOString(), leaf,
  ]);
}

/** A sysadmin defines an emergency linkage rule (a rule.v1 "create" entry). */
export async function createRule(opts: { viewer: Viewer; definition: unknown; now?: Date }) {
  const user = requireRole(opts.viewer, ["sysadmin"], "define emergency linkage rules");
  const { rule } = await createRuleAs(user.userId, RuleDefinitionSchema.parse(opts.definition), opts.now);
  // Enabled, it covers the incidents open now at once (what the preview showed the sysadmin).
  const granted = rule.enabled ? await grantForOpenIncidents((await getDb()).sql, rule.id, opts.now) : [];
  return { rule, granted };
}

/** Creates a rule on behalf of a user id (the demo seed uses it for its example rule). */
export async function createRuleAs(by: string, definition: RuleDefinition, now = new Date()) {
  const db = await getDb();
  const id = `rule_${crypto.randomBytes(6).toString("hex")}`;
  const r = await db.sql.transaction(async (tx) => {
    const [r] = await tx.query<RuleRow>(
      `INSERT INTO linkage_rule (id, name, enabled, definition, version, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 1, $5, $6, $6) RETURNING ${COLS}`,
      [id, definition.name, definition.enabled, JSON.stringify(definition), by, now.toISOString()],
    );
    await recordRuleChange(tx, r, "create", by, now);
    return r;
  });
  return { rule: ruleView(r) };
}

/** A sysadmin changes a rule (a new version, a rule.v1 "update" entry). Grants it already made keep their terms. */
export async function updateRule(opts: { viewer: Viewer; ruleId: string; definition: unknown; now?: Date }) {
  const user = requireRole(opts.viewer, ["sysadmin"], "change emergency linkage rules");
  const definition = RuleDefinitionSchema.parse(opts.definition);
  const now = opts.now ?? new Date();
  const db = await getDb();
  const r = await db.sql.transaction(async (tx) => {
    const [cur] = await tx.query<RuleRow>(`SELECT ${COLS} FROM linkage_rule WHERE id = $1 FOR UPDATE`, [opts.ruleId]);
    if (!cur) throw notFound("rule", opts.ruleId);
    if (cur.retired_at) throw new AppError("conflict", `rule ${cur.id} is retired`, `rule ${cur.id} is retired and cannot change`);
    const [r] = await tx.query<RuleRow>(
      `UPDATE linkage_rule SET name = $2, enabled = $3, definition = $4, version = version + 1, updated_at = $5 WHERE id = $1 RETURNING ${COLS}`,
      [cur.id, definition.name, definition.enabled, JSON.stringify(definition), now.toISOString()],
    );
    await recordRuleChange(tx, r, "update", user.userId, now);
    return r;
  });
  return { rule: ruleView(r) };
}

/**
 * A sysadmin retires a rule (a rule.v1 "retire" entry): it fires no more. With
 * `revokeGrants` its grants still active are revoked too (each a grant.v2 revoke entry
 * naming the retirement); without, they run to their end.
 */
export async function retireRule(opts: { viewer: Viewer; ruleId: string; revokeGrants?: boolean; now?: Date }) {
  const user = requireRole(opts.viewer, ["sysadmin"], "retire emergency linkage rules");
  const now = opts.now ?? new Date();
  const db = await getDb();
  const r = await db.sql.transaction(async (tx) => {
    const [cur] = await tx.query<RuleRow>(`SELECT ${COLS} FROM linkage_rule WHERE id = $1 FOR UPDATE`, [opts.ruleId]);
    if (!cur) throw notFound("rule", opts.ruleId);
    if (cur.retired_at) throw new AppError("conflict", `rule ${cur.id} is already retired`, `rule ${cur.id} is already retired`);
    const [r] = await tx.query<RuleRow>(`UPDATE linkage_rule SET enabled = false, retired_at = $2, updated_at = $2 WHERE id = $1 RETURNING ${COLS}`, [cur.id, now.toISOString()]);
    await recordRuleChange(tx, r, "retire", user.userId, now);
    return r;
  });
  const revoked: string[] = [];
  if (opts.revokeGrants) {
    const active = await db.sql.query<{ id: string }>(`SELECT id FROM data_grant WHERE rule_id = $1 AND status = 'active' ORDER BY created_at`, [r.id]);
    for (const g of active) {
      await revokeGrant({ viewer: opts.viewer, grantId: g.id, reason: `rule ${r.id} retired`, now });
      revoked.push(g.id);
    }
  }
  return { rule: ruleView(r), revoked };
}

/** How many of a rule's newest grants the rules list carries. */
export const RULE_GRANTS_SHOWN = 10;

/**
 * Rules with the grants each has made (sysadmins and auditors; department admins see the rules
 * too, read-only, with the grants their department gave or holds: the grants list's own rule).
 */
export async function listRules(opts: { viewer: Viewer }) {
  const user = requireRole(opts.viewer, ["sysadmin", "auditor", "dept_admin"], "see emergency linkage rules");
  const dept = user.role === "dept_admin" ? user.departmentId : null;
  const db = await getDb();
  const rules = await db.sql.query<RuleRow>(`SELECT ${COLS} FROM linkage_rule ORDER BY created_at DESC, id`);
  // Per rule its newest grants and how many it made (GET /api/grants?rule= pages through all).
  const fired = await db.sql.query<{ rule_id: string; id: string; dataset_id: string; grantee_department_id: string; status: string; trigger_ref: string; valid_from: Date; valid_until: Date; total: number }>(
    `SELECT * FROM (
       SELECT rule_id, id, dataset_id, grantee_department_id, status, trigger_ref, valid_from, valid_until,
              row_number() OVER (PARTITION BY rule_id ORDER BY created_at DESC, id) AS rn, count(*) OVER (PARTITION BY rule_id)::int AS total
         FROM data_grant WHERE rule_id IS NOT NULL AND ($2::text IS NULL OR owner_department_id = $2 OR grantee_department_id = $2)) x
      WHERE rn <= $1 ORDER BY rn`,
    [RULE_GRANTS_SHOWN, dept],
  );
  return {
    rules: rules.map((r) => ({
      ...ruleView(r),
      grantsTotal: Number(fired.find((g) => g.rule_id === r.id)?.total ?? 0),
      grants: fired
        .filter((g) => g.rule_id === r.id)
        .map((g) => ({
          id: g.id,
          datasetId: g.dataset_id,
          granteeDepartmentId: g.grantee_department_id,
          status: g.status,
          incident: g.trigger_ref,
          validFrom: new Date(g.valid_from).toISOString(),
          validUntil: new Date(g.valid_until).toISOString(),
        })),
    })),
  };
}
