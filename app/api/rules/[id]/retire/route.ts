// POST /api/rules/{id}/retire – retire an emergency linkage rule, optionally revoking its grants (sysadmins)
import { objectRoute } from "@/lib/http/object-route";
import { RetireRuleBody, RuleIdParams } from "@/lib/api/specs";
import { retireRule } from "@/lib/rules/manage-rules";

export const dynamic = "force-dynamic";
export const POST = objectRoute({ params: RuleIdParams, body: RetireRuleBody, optionalBody: true }, ({ viewer, params, body }) => retireRule({ viewer, ruleId: params.id, revokeGrants: body.revokeGrants }));
