// GET /api/map/layers/{layer}/frames – replay frames of a layer, aggregated per time bucket
import { handle, parseQuery } from "@/lib/http/respond";
import { FramesQuery, MapLayerParams } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getLayerFrames } from "@/lib/map/get-layer-frames";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ layer: string }> }) => {
  const { layer } = MapLayerParams.parse(await ctx.params);
  const q = parseQuery(req, FramesQuery);
  return Response.json(await getLayerFrames({ viewer: await viewerFromRequest(req), layer, ...q }));
});
