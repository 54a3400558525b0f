// POST /api/devices/{id}/rotate – give a device a new key (ledgered)
import { objectRoute } from "@/lib/http/object-route";
import { DeviceIdParams, RotateKeyBody } from "@/lib/api/specs";
import { rotateDeviceKey } from "@/lib/devices/change-device-key";

export const dynamic = "force-dynamic";
export const POST = objectRoute({ params: DeviceIdParams, body: RotateKeyBody }, ({ viewer, params, body }) => rotateDeviceKey({ viewer, device: params.id, ...body }));
