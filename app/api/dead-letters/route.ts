// GET /api/dead-letters – refused messages and counts by reason (department admins)
import { handle, parseQuery } from "@/lib/http/respond";
import { DeadLettersQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { listDeadLetters } from "@/lib/ingest/list-dead-letters";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, DeadLettersQuery);
  return Response.json(await listDeadLetters({ viewer: await viewerFromRequest(req), ...q }));
});
