// GET /api/traffic/sensors – traffic sensors with their segments' geometry
import { handle, parseQuery } from "@/lib/http/respond";
import { trafficSensorsRoute } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { listTrafficSensors } from "@/lib/map/list-traffic-sensors";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const { bbox } = parseQuery(req, trafficSensorsRoute.query);
  return Response.json(await listTrafficSensors({ viewer: await viewerFromRequest(req), bbox }));
});
