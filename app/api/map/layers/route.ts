// GET /api/map/layers – the map's layers, their datasets and whether the viewer may read them
import { handle } from "@/lib/http/respond";
import { viewerFromRequest } from "@/lib/access/viewer";
import { listMapLayers } from "@/lib/map/list-map-layers";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => Response.json(await listMapLayers({ viewer: await viewerFromRequest(req) })));
