// PUT /api/rules/{id} – change an emergency linkage rule (sysadmins)
import { handle, parseJson } from "@/lib/http/respond";
import { RuleDefinitionBody, RuleIdParams } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { updateRule } from "@/lib/rules/manage-rules";

export const dynamic = "force-dynamic";
export const PUT = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const viewer = await viewerFromRequest(req);
  const { id } = RuleIdParams.parse(await ctx.params);
  const definition = await parseJson(req, RuleDefinitionBody);
  return Response.json(await updateRule({ viewer, ruleId: id, definition }));
});
