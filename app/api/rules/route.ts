// GET /api/rules – emergency linkage rules and their grants; POST /api/rules – define a rule (sysadmins)
import { handle, parseJson } from "@/lib/http/respond";
import { RuleDefinitionBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { createRule, listRules } from "@/lib/rules/manage-rules";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => Response.json(await listRules({ viewer: await viewerFromRequest(req) })));
export const POST = handle(async (req: Request) => {
  const viewer = await viewerFromRequest(req);
  const definition = await parseJson(req, RuleDefinitionBody);
  return Response.json(await createRule({ viewer, definition }));
});
