// POST /api/rules/preview – what a rule would match and grant if enabled now (sysadmins)
import { handle, parseJson } from "@/lib/http/respond";
import { RuleDefinitionBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { previewRule } from "@/lib/rules/preview-rule";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request) => {
  const viewer = await viewerFromRequest(req);
  const definition = await parseJson(req, RuleDefinitionBody);
  return Response.json(await previewRule({ viewer, definition }));
});
