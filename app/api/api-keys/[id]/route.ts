// DELETE /api/api-keys/{id} – revoke an API key of the admin's department
import { z } from "zod";
import { handle } from "@/lib/http/respond";
import { viewerFromRequest } from "@/lib/access/viewer";
import { revokeApiKey } from "@/lib/access/api-keys";

export const dynamic = "force-dynamic";
const Params = z.object({ id: z.string().regex(/^[a-z0-9]{12}$/, "an API key id (12 characters a-z, 0-9)") });

export const DELETE = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = Params.parse(await ctx.params);
  return Response.json(await revokeApiKey({ viewer: await viewerFromRequest(req), id }));
});
