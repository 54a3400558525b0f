// GET /api/traffic/latest – the latest reading of each traffic sensor
import { handle, parseQuery } from "@/lib/http/respond";
import { TrafficLatestQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getTrafficLatest } from "@/lib/map/get-traffic-latest";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, TrafficLatestQuery);
  return Response.json(await getTrafficLatest({ viewer: await viewerFromRequest(req), ...q }));
});
