import type { Sql } from "../../db/sql";
import { triggerMatches, type RuleDefinition } from "../../rules/definition";

export type OpenIncident = { incident: string; type: string; severity: number; status: string; lon: number; lat: number; observedAt: string };

/**
 * The incidents open now (their latest report in the last 24 hours not resolved) that a
 * rule's trigger matches: exactly those the rule job would grant for at its next run, since
 * an open incident is reported again each tick. Rule evaluation reads every incident; what
 * the caller may show of them is previewRule's decision (lib/rules/preview-rule.ts).
 */
export async function openIncidentsMatching(sql: Sql, trigger: RuleDefinition["trigger"], now = new Date()): Promise<OpenIncident[]> {
  return (await openIncidentReadings(sql, now))
    .filter((r) => triggerMatches(trigger, r.payload))
    .map((r) => ({
      incident: r.incident,
      type: String(r.payload.type),
      severity: Number(r.payload.severity),
      status: String(r.payload.status),
      lon: Number(r.lon),
      lat: Number(r.lat),
      observedAt: new Date(r.observed_at).toISOString(),
    }))
    .sort((a, b) => a.severity - b.severity || b.observedAt.localeCompare(a.observedAt));
}

export type OpenIncidentReading = { id: number; incident: string; lon: number; lat: number; observed_at: Date; payload: Record<string, unknown> };

/** The latest report of each incident reported in the last 24 hours that is not resolved (the rule job grants from these when a rule is enabled). */
export async function openIncidentReadings(sql: Sql, now = new Date()): Promise<OpenIncidentReading[]> {
  const rows = await sql.query<OpenIncidentReading>(
    `SELECT DISTINCT ON (coalesce(r.payload->>'incidentId', r.device_id)) r.leaf_index AS id, coalesce(r.payload->>'incidentId', r.device_id) AS incident, r.lon, r.lat, r.observed_at, r.payload
       FROM reading r
      WHERE r.dataset_id = 'safety.incidents' AND r.observed_at >= $1::timestamptz - interval '24 hours' AND r.observed_at <= $1::timestamptz
      ORDER BY coalesce(r.payload->>'incidentId', r.device_id), r.observed_at DESC, r.leaf_index DESC`,
    [now.toISOString()],
  );
  return rows.filter((r) => r.payload.status !== "resolved");
}
