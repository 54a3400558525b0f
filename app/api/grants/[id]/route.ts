// GET /api/grants/{id} – one grant with its ledgered history
import { handle } from "@/lib/http/respond";
import { GrantIdParams } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getGrant } from "@/lib/grants/list-grants";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = GrantIdParams.parse(await ctx.params);
  return Response.json(await getGrant({ viewer: await viewerFromRequest(req), grantId: id }));
});
