// GET|POST /open311/v2/… – Open311 GeoReport v2: discovery, services, service definitions, requests (list, create), one request, tokens
import { handleOpen311 } from "@/lib/citizen/handle-open311";

export const dynamic = "force-dynamic";
type Ctx = { params: Promise<{ path: string[] }> };
export const GET = async (req: Request, ctx: Ctx) => handleOpen311(req, (await ctx.params).path);
export const POST = async (req: Request, ctx: Ctx) => handleOpen311(req, (await ctx.params).path);
