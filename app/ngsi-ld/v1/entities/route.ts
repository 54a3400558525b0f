// GET /ngsi-ld/v1/entities – NGSI-LD entities the caller may read (type, id, q, geo-query, attrs, paging)
import { ngsiHandle } from "@/lib/ngsi/problem";
import { ngsiJson } from "@/lib/ngsi/respond";
import { ngsiViewer } from "@/lib/ngsi/viewer";
import { EntitiesQuery } from "@/lib/api/specs";
import { queryEntities } from "@/lib/ngsi/query-entities";

export const dynamic = "force-dynamic";
export const GET = ngsiHandle(async (req: Request) => {
  const query = EntitiesQuery.parse(Object.fromEntries(new URL(req.url).searchParams.entries()));
  const out = await queryEntities({ viewer: await ngsiViewer(req), query });
  return ngsiJson(req, out.body, { headers: out.count === null ? {} : { "NGSILD-Results-Count": String(out.count) } });
});
