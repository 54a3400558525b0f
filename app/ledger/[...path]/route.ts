// GET /ledger/<checkpoint | tile/...> – the city's log over C2SP tlog-tiles (public)
import { handle } from "@/lib/http/respond";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getLogResource } from "@/lib/ledger-store/get-log-resource";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ path: string[] }> }) => {
  const { path } = await ctx.params;
  const r = await getLogResource({ viewer: await viewerFromRequest(req), path: path.join("/") });
  return new Response(r.body as BodyInit, {
    headers: {
      "content-type": r.contentType,
      "cache-control": r.immutable ? "public, max-age=31536000, immutable" : "no-cache",
      "access-control-allow-origin": "*",
    },
  });
});
