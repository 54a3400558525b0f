// DELETE /api/api-keys/{id} – revoke an API key of the admin's department
import { handle } from "@/lib/http/respond";
import { ApiKeyParams } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { revokeApiKey } from "@/lib/access/api-keys";

export const dynamic = "force-dynamic";
export const DELETE = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = ApiKeyParams.parse(await ctx.params);
  return Response.json(await revokeApiKey({ viewer: await viewerFromRequest(req), id }));
});
