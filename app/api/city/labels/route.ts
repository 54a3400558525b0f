// GET /api/city/labels – place labels in the requested language
import { handle, parseQuery } from "@/lib/http/respond";
import { cityLabelsRoute } from "@/lib/api/specs";
import { getCityLabels } from "@/lib/map/get-city-labels";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const { lang } = parseQuery(req, cityLabelsRoute.query);
  return Response.json(await getCityLabels(lang), { headers: { "cache-control": "public, max-age=300" } });
});
