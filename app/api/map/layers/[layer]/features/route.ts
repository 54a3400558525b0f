// GET /api/map/layers/{layer}/features – static geometry of a layer from the city model
import { handle, parseQuery } from "@/lib/http/respond";
import { FeaturesQuery, MapLayerParams } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getLayerFeatures } from "@/lib/map/get-layer-features";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ layer: string }> }) => {
  const { layer } = MapLayerParams.parse(await ctx.params);
  const q = parseQuery(req, FeaturesQuery);
  return Response.json(await getLayerFeatures({ viewer: await viewerFromRequest(req), layer, ...q }), {
    headers: { "cache-control": "private, max-age=60" },
  });
});
