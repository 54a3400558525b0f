// GET /api/city/style – MapLibre base style built from the city model
import { handle, parseQuery } from "@/lib/http/respond";
import { cityStyleRoute } from "@/lib/api/specs";
import { getCityStyle } from "@/lib/map/get-city-style";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const { theme } = parseQuery(req, cityStyleRoute.query);
  return new Response(await getCityStyle(theme), {
    headers: { "content-type": "application/json", "cache-control": "public, max-age=300" },
  });
});
