// GET /api/datasets – every department's datasets, with whether the viewer may read each
import { handle } from "@/lib/http/respond";
import { viewerFromRequest } from "@/lib/access/viewer";
import { listDatasets } from "@/lib/access/list-datasets";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => Response.json(await listDatasets({ viewer: await viewerFromRequest(req) })));
