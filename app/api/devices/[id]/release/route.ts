// POST /api/devices/{id}/release – release a quarantined gateway with a reason (ledgered)
import { handle, parseJson } from "@/lib/http/respond";
import { DeviceIdParams, ReleaseBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { releaseGateway } from "@/lib/devices/quarantine-gateway";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const { id } = DeviceIdParams.parse(await ctx.params);
  const body = await parseJson(req, ReleaseBody);
  return Response.json(await releaseGateway({ viewer: await viewerFromRequest(req), device: id, reason: body.reason }));
});
