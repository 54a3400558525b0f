// GET /ngsi-ld/v1/types – the entity types the caller may read (EntityTypeList)
import { ngsiHandle } from "@/lib/ngsi/problem";
import { ngsiJson } from "@/lib/ngsi/respond";
import { ngsiViewer } from "@/lib/ngsi/viewer";
import { listEntityTypes } from "@/lib/ngsi/query-entities";

export const dynamic = "force-dynamic";
export const GET = ngsiHandle(async (req: Request) => ngsiJson(req, await listEntityTypes({ viewer: await ngsiViewer(req) })));
