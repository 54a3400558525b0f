// GET /api/citizen/reports/{id}/receipt?leaf= – the receipt of a report's ledger leaf (its submission by default)
import { z } from "zod";
import { handle, parseQuery } from "@/lib/http/respond";
import { getReportReceipt } from "@/lib/citizen/get-report-receipt";

export const dynamic = "force-dynamic";
const Query = z.object({ leaf: z.coerce.number().int().nonnegative().optional() });
export const GET = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const q = parseQuery(req, Query);
  return Response.json(await getReportReceipt({ id: (await ctx.params).id, leaf: q.leaf }));
});
