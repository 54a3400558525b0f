// GET /api/auth/users/{id}/events – an account's history: its account.v1 entries (sysadmins, auditors)
import { handle } from "@/lib/http/respond";
import { UserIdParams } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { listAccountEvents } from "@/lib/auth/account-history";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const viewer = await viewerFromRequest(req);
  const { id } = UserIdParams.parse(await ctx.params);
  return Response.json(await listAccountEvents({ viewer, userId: id }));
});
