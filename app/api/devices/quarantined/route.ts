// GET /api/devices/quarantined – quarantined gateways of the admin's department (the header's notice)
import { handle } from "@/lib/http/respond";
import { viewerFromRequest } from "@/lib/access/viewer";
import { quarantinedGateways } from "@/lib/devices/quarantine-gateway";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => Response.json(await quarantinedGateways({ viewer: await viewerFromRequest(req) })));
