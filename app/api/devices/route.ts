// GET /api/devices – a department's devices (admins); POST /api/devices – register a device with its key
import { handle, parseJson, parseQuery } from "@/lib/http/respond";
import { DevicesQuery, RegisterDeviceBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { listDevices } from "@/lib/devices/list-devices";
import { registerDevice } from "@/lib/devices/register-device";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, DevicesQuery);
  return Response.json(await listDevices({ viewer: await viewerFromRequest(req), ...q }));
});
export const POST = handle(async (req: Request) => {
  const body = await parseJson(req, RegisterDeviceBody);
  return Response.json(await registerDevice({ viewer: await viewerFromRequest(req), device: body }));
});
