// GET /api/map/kpis – the duty officer's KPIs at a moment, with their trends
import { handle, parseQuery } from "@/lib/http/respond";
import { KpisQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getMapKpis } from "@/lib/map/get-map-kpis";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, KpisQuery);
  return Response.json(await getMapKpis({ viewer: await viewerFromRequest(req), ...q }));
});
