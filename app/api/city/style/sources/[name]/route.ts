// GET /api/city/style/sources/{name} – a large source of the base style (roads, POIs) as GeoJSON
import { handle } from "@/lib/http/respond";
import { getCityStyleSource } from "@/lib/map/get-city-style";

export const dynamic = "force-dynamic";
export const GET = handle(async (_req: Request, ctx: { params: Promise<{ name: string }> }) => {
  const { name } = await ctx.params;
  // The URL carries the city model's version (?v=), so a browser may keep its copy.
  return new Response(await getCityStyleSource(name), {
    headers: { "content-type": "application/geo+json", "cache-control": "public, max-age=86400, immutable" },
  });
});
