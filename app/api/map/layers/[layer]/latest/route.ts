// GET /api/map/layers/{layer}/latest – the latest value of every feature of a layer
import { handle, parseQuery } from "@/lib/http/respond";
import { LatestQuery, MapLayerParams } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getLayerLatest } from "@/lib/map/get-layer-latest";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ layer: string }> }) => {
  const { layer } = MapLayerParams.parse(await ctx.params);
  const q = parseQuery(req, LatestQuery);
  return Response.json(await getLayerLatest({ viewer: await viewerFromRequest(req), layer, ...q }));
});
