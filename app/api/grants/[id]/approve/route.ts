// POST /api/grants/{id}/approve – approve a request as asked or narrower (owner department's admins)
import { objectRoute } from "@/lib/http/object-route";
import { ApproveGrantBody, GrantIdParams } from "@/lib/api/specs";
import { approveGrant } from "@/lib/grants/decide-grant";

export const dynamic = "force-dynamic";
export const POST = objectRoute({ params: GrantIdParams, body: ApproveGrantBody }, ({ viewer, params, body }) => approveGrant({ viewer, grantId: params.id, terms: body }));
