// POST /api/citizen/reports/{id}/status – the owning department assigns, confirms, rejects (reason) or resolves (note) a report
import { z } from "zod";
import { handle, parseJson } from "@/lib/http/respond";
import { viewerFromRequest } from "@/lib/access/viewer";
import { changeReportStatus } from "@/lib/citizen/change-report-status";

export const dynamic = "force-dynamic";
const Body = z.strictObject({ action: z.enum(["assign", "confirm", "reject", "resolve"]), note: z.string().max(2000).optional() });
export const POST = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const b = await parseJson(req, Body);
  return Response.json(await changeReportStatus({ viewer: await viewerFromRequest(req), id: (await ctx.params).id, action: b.action, note: b.note }));
});
