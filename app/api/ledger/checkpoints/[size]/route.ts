// GET /api/ledger/checkpoints/{size} – one checkpoint: note, cosignatures, neighbours, the latest
import { handle } from "@/lib/http/respond";
import { CheckpointSizeParam } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getCheckpoint } from "@/lib/ledger-store/list-checkpoints";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ size: string }> }) => {
  const { size } = CheckpointSizeParam.parse(await ctx.params);
  return Response.json(await getCheckpoint({ viewer: await viewerFromRequest(req), size }));
});
