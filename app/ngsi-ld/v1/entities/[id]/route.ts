// GET /ngsi-ld/v1/entities/{id} – one NGSI-LD entity (attrs, options=keyValues)
import { ngsiHandle } from "@/lib/ngsi/problem";
import { ngsiJson, pathId } from "@/lib/ngsi/respond";
import { ngsiViewer } from "@/lib/ngsi/viewer";
import { getEntity } from "@/lib/ngsi/query-entities";

export const dynamic = "force-dynamic";
export const GET = ngsiHandle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = await ctx.params;
  const sp = new URL(req.url).searchParams;
  const entity = await getEntity({ viewer: await ngsiViewer(req), id: pathId(id), attrs: sp.get("attrs") ?? undefined, options: sp.get("options") ?? undefined });
  return ngsiJson(req, entity);
});
