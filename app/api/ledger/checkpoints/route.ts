// GET /api/ledger/checkpoints – checkpoints, newest first, with cosignature counts
import { handle, parseQuery } from "@/lib/http/respond";
import { CheckpointsQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { listCheckpoints } from "@/lib/ledger-store/list-checkpoints";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, CheckpointsQuery);
  return Response.json(await listCheckpoints({ viewer: await viewerFromRequest(req), ...q }));
});
