// GET /api/datasets/{id}/readings – a dataset's readings at the scope the viewer may see
import { handle, parseQuery } from "@/lib/http/respond";
import { DatasetIdParams, DatasetReadingsQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { readDataset } from "@/lib/access/read-dataset";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = DatasetIdParams.parse(await ctx.params);
  const q = parseQuery(req, DatasetReadingsQuery);
  return Response.json(await readDataset({ viewer: await viewerFromRequest(req), datasetId: id, ...q }));
});
