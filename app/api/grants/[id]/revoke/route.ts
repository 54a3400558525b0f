// POST /api/grants/{id}/revoke – revoke a grant with a reason (owner department's admins, sysadmins)
import { handle, parseJson } from "@/lib/http/respond";
import { GrantIdParams, ReasonBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { revokeGrant } from "@/lib/grants/decide-grant";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const viewer = await viewerFromRequest(req);
  const { id } = GrantIdParams.parse(await ctx.params);
  const { reason } = await parseJson(req, ReasonBody);
  return Response.json(await revokeGrant({ viewer, grantId: id, reason }));
});
