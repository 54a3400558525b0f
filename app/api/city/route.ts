// GET /api/city – the city's name, centre, bounds and counts
import { handle } from "@/lib/http/respond";
import { getCityInfo } from "@/lib/map/get-city-info";

export const dynamic = "force-dynamic";
export const GET = handle(async () => Response.json(await getCityInfo(), { headers: { "cache-control": "public, max-age=300" } }));
