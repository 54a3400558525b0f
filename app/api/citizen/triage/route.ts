// GET /api/citizen/triage – the viewer's department's report queue (exact point, photos, contact details)
import { z } from "zod";
import { handle, parseQuery } from "@/lib/http/respond";
import { viewerFromRequest } from "@/lib/access/viewer";
import { listTriageQueue } from "@/lib/citizen/list-triage-queue";

export const dynamic = "force-dynamic";
const Query = z.object({ department: z.string().max(64).optional(), status: z.enum(["open", "all"]).optional() });
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, Query);
  return Response.json(await listTriageQueue({ viewer: await viewerFromRequest(req), ...q }));
});
