// GET /api/grants/{id} – one grant with its ledgered history
import { objectRoute } from "@/lib/http/object-route";
import { GrantIdParams } from "@/lib/api/specs";
import { getGrant } from "@/lib/grants/list-grants";

export const dynamic = "force-dynamic";
export const GET = objectRoute({ params: GrantIdParams }, ({ viewer, params }) => getGrant({ viewer, grantId: params.id }));
