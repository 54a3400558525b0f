// PATCH /api/auth/users/{id} – change an account's role or department, or disable it (sysadmins)
import { handle, parseJson } from "@/lib/http/respond";
import { UpdateUserBody, UserIdParams } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { updateUser } from "@/lib/auth/manage-users";

export const dynamic = "force-dynamic";
export const PATCH = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const viewer = await viewerFromRequest(req);
  const { id } = UserIdParams.parse(await ctx.params);
  const change = await parseJson(req, UpdateUserBody);
  return Response.json(await updateUser({ viewer, userId: id, change }));
});
