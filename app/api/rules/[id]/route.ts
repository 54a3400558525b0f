// PUT /api/rules/{id} – change an emergency linkage rule (sysadmins)
import { objectRoute } from "@/lib/http/object-route";
import { RuleDefinitionBody, RuleIdParams } from "@/lib/api/specs";
import { updateRule } from "@/lib/rules/manage-rules";

export const dynamic = "force-dynamic";
export const PUT = objectRoute({ params: RuleIdParams, body: RuleDefinitionBody }, ({ viewer, params, body }) => updateRule({ viewer, ruleId: params.id, definition: body }));
