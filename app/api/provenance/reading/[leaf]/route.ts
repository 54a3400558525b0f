// GET /api/provenance/reading/{leaf} – a reading's provenance trail and downloadable datum
import { handle } from "@/lib/http/respond";
import { LeafParam } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getReadingTrail } from "@/lib/provenance/get-reading-trail";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ leaf: string }> }) => {
  const { leaf } = LeafParam.parse(await ctx.params);
  return Response.json(await getReadingTrail({ viewer: await viewerFromRequest(req), leafIndex: leaf }));
});
