// GET /ngsi-ld/v1/subscriptions/{id} – one subscription with its notification status; DELETE – remove it
import { ngsiHandle } from "@/lib/ngsi/problem";
import { ngsiJson, pathId } from "@/lib/ngsi/respond";
import { ngsiViewer } from "@/lib/ngsi/viewer";
import { deleteSubscription, getSubscription } from "@/lib/ngsi/subscriptions";

export const dynamic = "force-dynamic";
type Ctx = { params: Promise<{ id: string }> };
export const GET = ngsiHandle(async (req: Request, ctx: Ctx) => ngsiJson(req, await getSubscription({ viewer: await ngsiViewer(req), id: pathId((await ctx.params).id) })));
export const DELETE = ngsiHandle(async (req: Request, ctx: Ctx) => {
  await deleteSubscription({ viewer: await ngsiViewer(req), id: pathId((await ctx.params).id) });
  return new Response(null, { status: 204 });
});
