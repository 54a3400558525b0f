// POST /api/devices/{id}/release – release a quarantined gateway with a reason (ledgered)
import { objectRoute } from "@/lib/http/object-route";
import { DeviceIdParams, ReleaseBody } from "@/lib/api/specs";
import { releaseGateway } from "@/lib/devices/quarantine-gateway";

export const dynamic = "force-dynamic";
export const POST = objectRoute({ params: DeviceIdParams, body: ReleaseBody }, ({ viewer, params, body }) => releaseGateway({ viewer, device: params.id, reason: body.reason }));
