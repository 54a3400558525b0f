// GET /api/api-keys – API keys of the admin's department; POST /api/api-keys – issue one (the key is shown once)
import { z } from "zod";
import { handle, parseJson, parseQuery } from "@/lib/http/respond";
import { viewerFromRequest } from "@/lib/access/viewer";
import { createApiKey, listApiKeys } from "@/lib/access/api-keys";

export const dynamic = "force-dynamic";
const ListQuery = z.object({ department: z.string().max(64).optional() });
const CreateBody = z.object({ name: z.string().min(1).max(100) });

export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, ListQuery);
  return Response.json({ keys: await listApiKeys({ viewer: await viewerFromRequest(req), departmentId: q.department }) }, { headers: { "cache-control": "private, no-store" } });
});
export const POST = handle(async (req: Request) => {
  const viewer = await viewerFromRequest(req);
  const body = await parseJson(req, CreateBody);
  return Response.json(await createApiKey({ viewer, name: body.name }), { status: 201, headers: { "cache-control": "private, no-store" } });
});
