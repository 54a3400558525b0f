// GET /api/access-events/groups – the access log grouped by reader, dataset, grant or hour
import { handle, parseQuery } from "@/lib/http/respond";
import { AccessGroupsQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { groupAccessEvents } from "@/lib/access/list-access-events";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, AccessGroupsQuery);
  return Response.json(await groupAccessEvents({ viewer: await viewerFromRequest(req), ...q }));
});
