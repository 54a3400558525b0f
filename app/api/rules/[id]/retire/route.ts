// POST /api/rules/{id}/retire – retire an emergency linkage rule, optionally revoking its grants (sysadmins)
import { handle, parseJson } from "@/lib/http/respond";
import { RetireRuleBody, RuleIdParams } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { retireRule } from "@/lib/rules/manage-rules";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const viewer = await viewerFromRequest(req);
  const { id } = RuleIdParams.parse(await ctx.params);
  const { revokeGrants } = await parseJson(req, RetireRuleBody, { optional: true });
  return Response.json(await retireRule({ viewer, ruleId: id, revokeGrants }));
});
