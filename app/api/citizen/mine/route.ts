// POST /api/citizen/mine – every report of a reporter key with its status history (signed by that key)
import { handle, parseJson } from "@/lib/http/respond";
import { MineBody } from "@/lib/api/specs";
import { listMyReports } from "@/lib/citizen/list-my-reports";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request) => {
  const b = await parseJson(req, MineBody);
  return Response.json(await listMyReports({ reporterKey: b.reporter_key, at: b.at, signature: b.signature }));
});
