// POST /api/citizen/reporters/{reporter}/appeal – the key holder appeals a mark on their key (signed with the key)
import { handle, parseJson } from "@/lib/http/respond";
import { AppealBody } from "@/lib/api/specs";
import { appealReporterKey } from "@/lib/citizen/key-flags";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request, ctx: { params: Promise<{ reporter: string }> }) => {
  const b = await parseJson(req, AppealBody);
  return Response.json(await appealReporterKey({ reporter: (await ctx.params).reporter, reporterKey: b.reporter_key, text: b.text, at: b.at, signature: b.signature }));
});
