// GET /api/grants/notifications – requests awaiting the admin's decision and grants ending soon (granted for longer than the warning window)
import { handle } from "@/lib/http/respond";
import { viewerFromRequest } from "@/lib/access/viewer";
import { grantNotifications } from "@/lib/grants/list-grants";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => Response.json(await grantNotifications({ viewer: await viewerFromRequest(req) })));
