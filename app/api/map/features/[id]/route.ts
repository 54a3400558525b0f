// GET /api/map/features/{id} – one map feature: facts, owner, latest reading and time series
import { handle, parseQuery } from "@/lib/http/respond";
import { FeatureParams, FeatureQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getFeatureDetails } from "@/lib/map/get-feature-details";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = FeatureParams.parse(await ctx.params);
  const q = parseQuery(req, FeatureQuery);
  return Response.json(await getFeatureDetails({ viewer: await viewerFromRequest(req), id, ...q }));
});
