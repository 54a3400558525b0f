// POST /api/grants/{id}/approve – approve a request as asked or narrower (owner department's admins)
import { handle, parseJson } from "@/lib/http/respond";
import { ApproveGrantBody, GrantIdParams } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { approveGrant } from "@/lib/grants/decide-grant";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const viewer = await viewerFromRequest(req);
  const { id } = GrantIdParams.parse(await ctx.params);
  const terms = await parseJson(req, ApproveGrantBody);
  return Response.json(await approveGrant({ viewer, grantId: id, terms }));
});
