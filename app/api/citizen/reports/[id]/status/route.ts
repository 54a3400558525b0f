// POST /api/citizen/reports/{id}/status – the owning department assigns, confirms, rejects (reason), resolves (note) or merges (into) a report
import { handle, parseJson } from "@/lib/http/respond";
import { StatusBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { changeReportStatus } from "@/lib/citizen/change-report-status";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const b = await parseJson(req, StatusBody);
  return Response.json(await changeReportStatus({ viewer: await viewerFromRequest(req), id: (await ctx.params).id, action: b.action, note: b.note, into: b.into }));
});
