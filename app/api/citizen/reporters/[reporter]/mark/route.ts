// POST /api/citizen/reporters/{reporter}/mark – a department flags a reporter key as abusive, or its admin lifts or upholds the mark
import { handle, parseJson } from "@/lib/http/respond";
import { MarkBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { markReporterKey } from "@/lib/citizen/key-flags";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request, ctx: { params: Promise<{ reporter: string }> }) => {
  const b = await parseJson(req, MarkBody);
  return Response.json(await markReporterKey({ viewer: await viewerFromRequest(req), reporter: (await ctx.params).reporter, action: b.action, note: b.note }));
});
