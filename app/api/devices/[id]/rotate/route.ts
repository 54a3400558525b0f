// POST /api/devices/{id}/rotate – give a device a new key (ledgered)
import { handle, parseJson } from "@/lib/http/respond";
import { DeviceIdParams, RotateKeyBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { rotateDeviceKey } from "@/lib/devices/change-device-key";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = DeviceIdParams.parse(await ctx.params);
  const body = await parseJson(req, RotateKeyBody);
  return Response.json(await rotateDeviceKey({ viewer: await viewerFromRequest(req), device: id, ...body }));
});
