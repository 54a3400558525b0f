// GET /api/health – liveness and database mode
import { handle } from "@/lib/http/respond";
import { getHealth } from "@/lib/server/get-health";

export const dynamic = "force-dynamic";
export const GET = handle(async () => Response.json(await getHealth()));
