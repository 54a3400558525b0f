// POST /api/citizen/mine – every report of a reporter key with its status history (signed by that key)
import { z } from "zod";
import { handle, parseJson } from "@/lib/http/respond";
import { listMyReports } from "@/lib/citizen/list-my-reports";

export const dynamic = "force-dynamic";
const Body = z.strictObject({ reporter_key: z.string().max(64), at: z.string().max(64), signature: z.string().max(128) });
export const POST = handle(async (req: Request) => {
  const b = await parseJson(req, Body);
  return Response.json(await listMyReports({ reporterKey: b.reporter_key, at: b.at, signature: b.signature }));
});
