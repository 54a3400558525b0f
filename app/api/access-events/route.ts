// GET /api/access-events – who read which data, when, and on what basis (owner's admins, auditors)
import { handle, parseQuery } from "@/lib/http/respond";
import { AccessEventsQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { listAccessEvents } from "@/lib/access/list-access-events";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, AccessEventsQuery);
  return Response.json(await listAccessEvents({ viewer: await viewerFromRequest(req), ...q }));
});
