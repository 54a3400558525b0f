// GET /api/devices/{id}/history – every key a device has had, each change linked to its ledger leaf
import { handle, parseQuery } from "@/lib/http/respond";
import { DeviceHistoryQuery, DeviceIdParams } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getDeviceHistory } from "@/lib/devices/get-device-history";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = DeviceIdParams.parse(await ctx.params);
  const q = parseQuery(req, DeviceHistoryQuery);
  return Response.json(await getDeviceHistory({ viewer: await viewerFromRequest(req), device: id, ...q }));
});
