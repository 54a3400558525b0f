// GET /api/auth/users – every account (sysadmins); POST /api/auth/users – create an account
import { handle, parseJson } from "@/lib/http/respond";
import { CreateUserBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { createUser, listUsers } from "@/lib/auth/manage-users";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => Response.json(await listUsers({ viewer: await viewerFromRequest(req) })));
export const POST = handle(async (req: Request) => {
  const viewer = await viewerFromRequest(req);
  const body = await parseJson(req, CreateUserBody);
  return Response.json(await createUser({ viewer, user: body }));
});
