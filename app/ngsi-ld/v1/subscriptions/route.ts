// GET /ngsi-ld/v1/subscriptions – the caller's department's subscriptions; POST – subscribe an http(s) endpoint to entity changes
import { parseJson } from "@/lib/http/respond";
import { ngsiHandle } from "@/lib/ngsi/problem";
import { ngsiJson } from "@/lib/ngsi/respond";
import { ngsiViewer } from "@/lib/ngsi/viewer";
import { SubscriptionBody } from "@/lib/api/specs";
import { createSubscription, listSubscriptions } from "@/lib/ngsi/subscriptions";

export const dynamic = "force-dynamic";
export const GET = ngsiHandle(async (req: Request) => ngsiJson(req, await listSubscriptions({ viewer: await ngsiViewer(req) })));
export const POST = ngsiHandle(async (req: Request) => {
  const viewer = await ngsiViewer(req);
  const { id } = await createSubscription({ viewer, body: await parseJson(req, SubscriptionBody) });
  return new Response(null, { status: 201, headers: { location: `/ngsi-ld/v1/subscriptions/${encodeURIComponent(id)}` } });
});
