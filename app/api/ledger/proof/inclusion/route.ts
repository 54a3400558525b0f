// GET /api/ledger/proof/inclusion – inclusion proof of a leaf
import { handle, parseQuery } from "@/lib/http/respond";
import { InclusionQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getInclusionProof } from "@/lib/ledger-store/get-proofs";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, InclusionQuery);
  return Response.json(await getInclusionProof({ viewer: await viewerFromRequest(req), ...q }));
});
