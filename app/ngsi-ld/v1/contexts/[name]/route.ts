// GET /ngsi-ld/v1/contexts/city-brain.jsonld – the console's own JSON-LD @context (public)
import { ngsiHandle } from "@/lib/ngsi/problem";
import { contextResponse } from "@/lib/ngsi/context-response";

export const dynamic = "force-static";
export const GET = ngsiHandle(async (_req: Request, ctx: { params: Promise<{ name: string }> }) => contextResponse((await ctx.params).name));
