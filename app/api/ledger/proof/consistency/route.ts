// GET /api/ledger/proof/consistency – consistency proof between two checkpoints
import { handle, parseQuery } from "@/lib/http/respond";
import { ConsistencyQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getConsistencyProof } from "@/lib/ledger-store/get-proofs";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, ConsistencyQuery);
  return Response.json(await getConsistencyProof({ viewer: await viewerFromRequest(req), ...q }));
});
