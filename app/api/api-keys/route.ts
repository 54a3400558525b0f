// GET /api/api-keys – API keys of the admin's department; POST /api/api-keys – issue one (the key is shown once)
import { handle, parseJson, parseQuery } from "@/lib/http/respond";
import { ApiKeysQuery, CreateApiKeyBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { createApiKey, listApiKeys } from "@/lib/access/api-keys";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, ApiKeysQuery);
  return Response.json({ keys: await listApiKeys({ viewer: await viewerFromRequest(req), departmentId: q.department }) }, { headers: { "cache-control": "private, no-store" } });
});
export const POST = handle(async (req: Request) => {
  const viewer = await viewerFromRequest(req);
  const body = await parseJson(req, CreateApiKeyBody);
  return Response.json(await createApiKey({ viewer, name: body.name }), { status: 201, headers: { "cache-control": "private, no-store" } });
});
