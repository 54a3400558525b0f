import type { Viewer } from "../access/viewer";
import { requireRole } from "../access/require-role";
import { checkRead } from "../access/check-read";
import { recordRead } from "../access/record-read";
import { openIncidentsMatching } from "../access/scoped/rule-preview";
import { DATASETS } from "../city";
import { getDb } from "../db/client";
import { AppError } from "../errors";
import { RuleDefinitionSchema } from "./definition";

/**
 * What a rule would do if enabled now, before it is: the open incidents its trigger matches
 * and the grants it would make for them (one per incident and dataset the grantee does not
 * own). A sysadmin whose department may read safety.incidents raw sees the incidents
 * (recorded as a read); any other sees only how many, and what would be granted.
 */
export async function previewRule(opts: { viewer: Viewer; definition: unknown; now?: Date }) {
  const user = requireRole(opts.viewer, ["sysadmin"], "preview emergency linkage rules");
  const def = RuleDefinitionSchema.parse(opts.definition);
  const { sql } = await getDb();
  const matches = await openIncidentsMatching(sql, def.trigger, opts.now);
  const datasets = def.grant.datasets.filter((id) => DATASETS.find((d) => d.id === id)?.departmentId !== def.grant.granteeDepartmentId);
  let detail = false;
  try {
    const basis = await checkRead(sql, user, "safety.incidents");
    detail = basis.scope === "raw" && basis.fields === null && basis.area === null;
    if (detail) await recordRead(sql, user, basis, { action: "rules.preview", count: matches.length });
  } catch (e) {
    if (!(e instanceof AppError) || e.code !== "forbidden") throw e;
  }
  return {
    matching: matches.length,
    incidents: detail ? matches : null,
    grants: matches.length * datasets.length,
    datasets,
    granteeDepartmentId: def.grant.granteeDepartmentId,
  };
}
