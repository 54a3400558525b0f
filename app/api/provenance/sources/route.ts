// GET /api/provenance/sources – the readings a derived value was computed from
import { handle, parseQuery } from "@/lib/http/respond";
import { SourcesQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { listSources } from "@/lib/provenance/list-sources";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, SourcesQuery);
  return Response.json(await listSources({ viewer: await viewerFromRequest(req), ...q }));
});
