// GET /api/api-keys – API keys of the admin's department; POST /api/api-keys – issue one, or OAuth client credentials (the secret is shown once)
import { handle, parseJson, parseQuery } from "@/lib/http/respond";
import { ApiKeysQuery, CreateApiKeyBody } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { createSystemAccount, listApiKeys } from "@/lib/access/api-keys";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, ApiKeysQuery);
  return Response.json({ keys: await listApiKeys({ viewer: await viewerFromRequest(req), departmentId: q.department }) }, { headers: { "cache-control": "private, no-store" } });
});
export const POST = handle(async (req: Request) => {
  const viewer = await viewerFromRequest(req);
  const body = await parseJson(req, CreateApiKeyBody);
  return Response.json(await createSystemAccount({ viewer, name: body.name, kind: body.kind }), { status: 201, headers: { "cache-control": "private, no-store" } });
});
