import type { Sql } from "../db/sql";
import { DATASETS } from "../city";
import { GRANT_COLUMNS, type GrantRow } from "../grants/grant-row";
import { newGrantId } from "../grants/request-grant";
import { recordGrantChange } from "../grants/record-grant-change";
import { announceGrantChange } from "../grants/announce-grant-change";
import { termsJson } from "../grants/terms";
import { triggerMatches, type RuleDefinition } from "./definition";
import { openIncidentReadings } from "../access/scoped/rule-preview";

const CURSOR = "linkage-rules";
type Made = { grantId: string; ruleId: string; incident: string; datasetId: string };
/** Readings re-read behind the cursor each run, in case one committed after a later id was seen; grants are made once per incident anyway. */
const OVERLAP = 200;

/**
 * Runs the emergency linkage rules over incident readings stored since the last run: for
 * each enabled rule and each incident reading that matches its trigger, an automatic grant
 * per listed dataset (the grantee's own datasets skipped), active at once, limited to the
 * rule's radius around the incident and ending after its duration, each ledgered as a
 * grant.v2 "approve" entry marked automatic with the rule id. At most one grant per rule,
 * incident and dataset. The first run starts from the newest reading (no back-filling).
 * Returns the grants made.
 */
export async function runRules(sql: Sql, now = new Date()): Promise<Made[]> {
  const [cursor] = await sql.query<{ last_leaf_index: number }>(`SELECT last_leaf_index FROM rule_cursor WHERE id = $1`, [CURSOR]);
  if (!cursor) {
    await sql.query(
      `INSERT INTO rule_cursor (id, last_leaf_index) SELECT $1, coalesce(max(leaf_index), 0) FROM reading ON CONFLICT (id) DO NOTHING`,
      [CURSOR],
    );
    return [];
  }
  const rules = await sql.query<{ id: string; definition: RuleDefinition }>(`SELECT id, definition FROM linkage_rule WHERE enabled AND retired_at IS NULL`);
  const last = Number(cursor.last_leaf_index);
  const [{ max }] = await sql.query<{ max: number | null }>(`SELECT max(leaf_index)::int8 AS max FROM reading WHERE leaf_index > $1`, [last]);
  const upTo = max === null ? last : Number(max);
  const made: Made[] = [];
  if (rules.length > 0) {
    const incidents = await sql.query<{ id: number; lon: number; lat: number; payload: Record<string, unknown> }>(
      `SELECT leaf_index AS id, lon, lat, payload FROM reading WHERE leaf_index > $1 AND leaf_index <= $2 AND dataset_id = 'safety.incidents' ORDER BY leaf_index`,
      [Math.max(0, last - OVERLAP), upTo],
    );
    // Each incident as it stands now: its latest report in the batch (one reported and then
    // resolved within the batch makes no grant), which is what previewRule shows.
    const latest = new Map<string, (typeof incidents)[number]>();
    for (const inc of incidents) latest.set(String(inc.payload.incidentId ?? `reading-${inc.id}`), inc);
    for (const inc of latest.values()) {
      for (const rule of rules) made.push(...(await grantForIncident(sql, rule, inc, now)));
    }
  }
  if (upTo > last) await sql.query(`UPDATE rule_cursor SET last_leaf_index = $2, updated_at = now() WHERE id = $1`, [CURSOR, upTo]);
  return made;
}

/**
 * The grants a rule makes for one incident report that its trigger matches: one per listed
 * dataset the grantee does not own, active at once, within the rule's radius of the
 * incident and for its duration, each ledgered as an automatic grant.v2 "approve" entry.
 * At most one per rule, incident and dataset, whenever it is called.
 */
async function grantForIncident(sql: Sql, rule: { id: string; definition: RuleDefinition }, inc: { id: number; lon: number; lat: number; payload: Record<string, unknown> }, now: Date): Promise<Made[]> {
  const made: Made[] = [];
  const def = rule.definition;
  if (!triggerMatches(def.trigger, inc.payload)) return made;
  const incident = String(inc.payload.incidentId ?? `reading-${inc.id}`);
  for (const datasetId of def.grant.datasets) {
    const ds = DATASETS.find((d) => d.id === datasetId);
    if (!ds || ds.departmentId === def.grant.granteeDepartmentId) continue;
    const id = newGrantId();
    const made1 = await sql.transaction(async (tx) => {
      const validUntil = new Date(now.getTime() + def.grant.durationSeconds * 1000);
      const area = def.grant.radiusM === null ? null : { lon: inc.lon, lat: inc.lat, radiusM: def.grant.radiusM };
      const terms = { scope: def.grant.scope, fields: null, dataFrom: null, dataUntil: null, area, validFrom: now, validUntil };
      const [g] = await tx.query<GrantRow>(
        `INSERT INTO data_grant (id, dataset_id, owner_department_id, grantee_department_id, scope, fields, purpose, area_lon, area_lat, area_radius_m,
                                 valid_from, valid_until, status, requested_terms, requested_by, decided_by, decided_at, automatic, rule_id, trigger_ref,
                                 created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9, $10, $11, 'active', $12, $13, $13, $10, true, $14, $15, $10, $10)
         ON CONFLICT (rule_id, trigger_ref, dataset_id) WHERE rule_id IS NOT NULL DO NOTHING
         RETURNING ${GRANT_COLUMNS}`,
        [
          id, ds.id, ds.departmentId, def.grant.granteeDepartmentId, def.grant.scope,
          `emergency linkage rule "${def.name}" (${rule.id}) for incident ${incident} (${String(inc.payload.type)}, severity ${String(inc.payload.severity)})`,
          area?.lon ?? null, area?.lat ?? null, area?.radiusM ?? null, now.toISOString(), validUntil.toISOString(),
          JSON.stringify(termsJson(terms)), `rule:${rule.id}`, rule.id, incident,
        ],
      );
      if (!g) return null;
      await recordGrantChange(tx, g, "approve", { userId: `rule:${rule.id}`, departmentId: null }, now, `incident ${incident}`);
      return g;
    });
    if (made1) await announceGrantChange(made1, "approve");
    if (made1) made.push({ grantId: id, ruleId: rule.id, incident, datasetId: ds.id });
  }
  return made;
}

/**
 * When a rule is enabled: the grants it makes at once for the incidents open now (what
 * previewRule showed), rather than waiting for each incident's next report.
 */
export async function grantForOpenIncidents(sql: Sql, ruleId: string, now = new Date()): Promise<Made[]> {
  const [rule] = await sql.query<{ id: string; definition: RuleDefinition }>(`SELECT id, definition FROM linkage_rule WHERE id = $1 AND enabled AND retired_at IS NULL`, [ruleId]);
  if (!rule) return [];
  const made: Made[] = [];
  for (const inc of await openIncidentReadings(sql, now)) made.push(...(await grantForIncident(sql, rule, inc, now)));
  return made;
}
