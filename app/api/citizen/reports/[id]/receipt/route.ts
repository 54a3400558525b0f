// GET /api/citizen/reports/{id}/receipt?leaf= – the receipt of a report's ledger leaf (its submission by default)
import { handle, parseQuery } from "@/lib/http/respond";
import { ReceiptQuery } from "@/lib/api/specs";
import { getReportReceipt } from "@/lib/citizen/get-report-receipt";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const q = parseQuery(req, ReceiptQuery);
  return Response.json(await getReportReceipt({ id: (await ctx.params).id, leaf: q.leaf }));
});
