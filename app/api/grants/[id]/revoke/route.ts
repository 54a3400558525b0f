// POST /api/grants/{id}/revoke – revoke a grant with a reason (owner department's admins, sysadmins)
import { objectRoute } from "@/lib/http/object-route";
import { GrantIdParams, ReasonBody } from "@/lib/api/specs";
import { revokeGrant } from "@/lib/grants/decide-grant";

export const dynamic = "force-dynamic";
export const POST = objectRoute({ params: GrantIdParams, body: ReasonBody }, ({ viewer, params, body }) => revokeGrant({ viewer, grantId: params.id, reason: body.reason }));
