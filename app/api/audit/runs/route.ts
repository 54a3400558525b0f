// POST /api/audit/runs – start a full ledger audit (auditors)
import { handle, parseJson } from "@/lib/http/respond";
import { startAuditRoute } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { startAuditRun } from "@/lib/ledger-store/audit-job";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request) => {
  const body = await parseJson(req, startAuditRoute.body.schema);
  return Response.json(await startAuditRun({ viewer: await viewerFromRequest(req), since: body.since }), { status: 202 });
});
