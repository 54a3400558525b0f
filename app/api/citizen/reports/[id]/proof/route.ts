// POST /api/citizen/reports/{id}/proof – checks a reporter's signed proof that the report is theirs
import { handle, parseJson } from "@/lib/http/respond";
import { ProofBody } from "@/lib/api/specs";
import { proveAuthorship } from "@/lib/citizen/prove-authorship";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const b = await parseJson(req, ProofBody);
  return Response.json(await proveAuthorship({ id: (await ctx.params).id, challenge: b.challenge, reporterKey: b.reporter_key, signature: b.signature }));
});
