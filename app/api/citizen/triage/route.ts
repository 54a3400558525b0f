// GET /api/citizen/triage – the viewer's department's report queue (exact point, photos, contact details)
import { handle, parseQuery } from "@/lib/http/respond";
import { TriageQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { listTriageQueue } from "@/lib/citizen/list-triage-queue";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, TriageQuery);
  return Response.json(await listTriageQueue({ viewer: await viewerFromRequest(req), ...q }));
});
