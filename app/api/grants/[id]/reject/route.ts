// POST /api/grants/{id}/reject – reject a request with a reason (owner department's admins)
import { handle, parseJson } from "@/lib/http/respond";
import { GrantIdParams, ReasonBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { rejectGrant } from "@/lib/grants/decide-grant";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const viewer = await viewerFromRequest(req);
  const { id } = GrantIdParams.parse(await ctx.params);
  const { reason } = await parseJson(req, ReasonBody);
  return Response.json(await rejectGrant({ viewer, grantId: id, reason }));
});
