// GET /api/city/roads – the base map's roads as GeoJSON (the style's roads source)
import { handle } from "@/lib/http/respond";
import { getCityRoads } from "@/lib/map/get-city-style";

export const dynamic = "force-dynamic";
export const GET = handle(async () =>
  new Response(await getCityRoads(), { headers: { "content-type": "application/geo+json", "cache-control": "public, max-age=300" } }),
);
