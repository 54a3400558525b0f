import crypto from "node:crypto";
import { z } from "zod";
import { DATASETS, DEPARTMENTS, INCIDENT_STATUSES, INCIDENT_TYPES } from "../city";
import { canonicalJsonBytes } from "../ledger/canonical-json";

const datasetIds = DATASETS.map((d) => d.id) as [string, ...string[]];
const departmentIds = DEPARTMENTS.map((d) => d.id) as [string, ...string[]];

/**
 * An emergency linkage rule: when an incident reading matches the trigger, grant a
 * department access to datasets near the incident for a while. Example: a severity-1
 * incident grants the emergency bureau raw camera and road data within 2 km for 6 hours.
 */
export const RuleDefinitionSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    enabled: z.boolean().default(true),
    trigger: z.object({
      dataset: z.literal("safety.incidents").default("safety.incidents"),
      /** Fires for incidents of this severity or worse (1 is the most severe). */
      maxSeverity: z.number().int().min(1).max(3),
      types: z.array(z.enum(INCIDENT_TYPES)).min(1).optional().describe("incident types (default: every type)"),
      statuses: z.array(z.enum(INCIDENT_STATUSES)).min(1).default(["reported", "responding"]),
    }),
    grant: z.object({
      granteeDepartmentId: z.enum(departmentIds),
      datasets: z.array(z.enum(datasetIds)).min(1).max(DATASETS.length),
      scope: z.enum(["raw", "anonymized", "aggregated"]),
      /** Readings within this distance of the incident; null for the whole city. */
      radiusM: z.number().min(50).max(50_000).nullable(),
      durationSeconds: z.number().int().min(1).max(30 * 86_400),
    }),
  })
  .refine((d) => d.grant.datasets.some((id) => DATASETS.find((x) => x.id === id)!.departmentId !== d.grant.granteeDepartmentId), {
    message: "the grantee already owns every listed dataset",
    path: ["grant", "datasets"],
  });
export type RuleDefinition = z.infer<typeof RuleDefinitionSchema>;

/** SHA-256 (hex) of the canonical JSON of a rule's definition, as rule.v1 commits to it. */
export function definitionHash(ruleId: string, version: number, d: RuleDefinition): string {
  return crypto.hash("sha256", canonicalJsonBytes({ id: ruleId, version, ...d }), "hex");
}

/** Whether an incident reading's values match a rule's trigger. */
export function triggerMatches(t: RuleDefinition["trigger"], values: Record<string, unknown>): boolean {
  const severity = Number(values.severity);
  if (!Number.isFinite(severity) || severity > t.maxSeverity) return false;
  if (t.types && !t.types.includes(values.type as (typeof INCIDENT_TYPES)[number])) return false;
  return t.statuses.includes(values.status as (typeof INCIDENT_STATUSES)[number]);
}
