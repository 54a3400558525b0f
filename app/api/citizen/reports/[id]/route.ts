// GET /api/citizen/reports/{id} – a citizen report as anyone may see it (coarse location, status history, no contact)
import { handle } from "@/lib/http/respond";
import { getReport } from "@/lib/citizen/get-report";

export const dynamic = "force-dynamic";
export const GET = handle(async (_req: Request, ctx: { params: Promise<{ id: string }> }) => Response.json(await getReport({ id: (await ctx.params).id })));
