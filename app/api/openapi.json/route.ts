// GET /api/openapi.json – the OpenAPI 3.1 document generated from the routes' zod schemas
import { handle } from "@/lib/http/respond";
import { openApiDocument } from "@/lib/api/openapi-document";

export const GET = handle(async () => Response.json(openApiDocument()));
