// GET /api/devices/{id}/history – every key a device has had, each change linked to its ledger leaf
import { objectRoute } from "@/lib/http/object-route";
import { DeviceHistoryQuery, DeviceIdParams } from "@/lib/api/specs";
import { getDeviceHistory } from "@/lib/devices/get-device-history";

export const dynamic = "force-dynamic";
export const GET = objectRoute({ params: DeviceIdParams, query: DeviceHistoryQuery }, ({ viewer, params, query }) => getDeviceHistory({ viewer, device: params.id, ...query }));
