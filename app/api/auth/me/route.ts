// GET /api/auth/me – the signed-in user with their effective role, or signedIn: false
import { handle } from "@/lib/http/respond";
import { getMe } from "@/lib/auth/manage-users";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => Response.json(await getMe({ headers: req.headers })));
