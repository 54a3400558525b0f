// POST /api/grants/{id}/reject – reject a request with a reason (owner department's admins)
import { objectRoute } from "@/lib/http/object-route";
import { GrantIdParams, ReasonBody } from "@/lib/api/specs";
import { rejectGrant } from "@/lib/grants/decide-grant";

export const dynamic = "force-dynamic";
export const POST = objectRoute({ params: GrantIdParams, body: ReasonBody }, ({ viewer, params, body }) => rejectGrant({ viewer, grantId: params.id, reason: body.reason }));
