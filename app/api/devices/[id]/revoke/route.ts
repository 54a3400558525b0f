// POST /api/devices/{id}/revoke – revoke a device's key with a reason (ledgered)
import { objectRoute } from "@/lib/http/object-route";
import { DeviceIdParams, RevokeBody } from "@/lib/api/specs";
import { revokeDevice } from "@/lib/devices/change-device-key";

export const dynamic = "force-dynamic";
export const POST = objectRoute({ params: DeviceIdParams, body: RevokeBody }, ({ viewer, params, body }) => revokeDevice({ viewer, device: params.id, reason: body.reason }));
