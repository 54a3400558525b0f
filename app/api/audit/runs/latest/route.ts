// GET /api/audit/runs/latest – progress and report of the latest audit (auditors)
import { handle } from "@/lib/http/respond";
import { viewerFromRequest } from "@/lib/access/viewer";
import { latestAuditRun } from "@/lib/ledger-store/audit-job";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => Response.json(await latestAuditRun({ viewer: await viewerFromRequest(req) })));
