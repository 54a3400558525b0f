// GET /api/provenance/reading/{leaf}/download?as=datum|receipt|prov – the reading as a file
import { handle, parseQuery } from "@/lib/http/respond";
import { DownloadQuery, LeafParam } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { downloadProvenance } from "@/lib/provenance/download-provenance";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ leaf: string }> }) => {
  const { leaf } = LeafParam.parse(await ctx.params);
  const { as } = parseQuery(req, DownloadQuery);
  const f = await downloadProvenance({ viewer: await viewerFromRequest(req), leafIndex: leaf, as });
  return new Response(f.body, { headers: { "content-type": f.contentType, "content-disposition": `attachment; filename="${f.filename}"` } });
});
