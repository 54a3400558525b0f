// POST /api/devices/{id}/revoke – revoke a device's key with a reason (ledgered)
import { handle, parseJson } from "@/lib/http/respond";
import { DeviceIdParams, RevokeBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { revokeDevice } from "@/lib/devices/change-device-key";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = DeviceIdParams.parse(await ctx.params);
  const body = await parseJson(req, RevokeBody);
  return Response.json(await revokeDevice({ viewer: await viewerFromRequest(req), device: id, reason: body.reason }));
});
