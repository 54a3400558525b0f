// GET /api/grants – grants of the viewer's department; POST /api/grants – request access to another department's dataset
import { handle, parseJson, parseQuery } from "@/lib/http/respond";
import { GrantsQuery, RequestGrantBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { listGrants } from "@/lib/grants/list-grants";
import { requestGrant } from "@/lib/grants/request-grant";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, GrantsQuery);
  return Response.json(await listGrants({ viewer: await viewerFromRequest(req), ...q }));
});
export const POST = handle(async (req: Request) => {
  const viewer = await viewerFromRequest(req);
  const body = await parseJson(req, RequestGrantBody);
  return Response.json(await requestGrant({ viewer, request: body }));
});
