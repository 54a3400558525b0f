// POST /api/citizen/reports/{id}/proof – checks a reporter's signed proof that the report is theirs
import { z } from "zod";
import { handle, parseJson } from "@/lib/http/respond";
import { proveAuthorship } from "@/lib/citizen/prove-authorship";

export const dynamic = "force-dynamic";
const Body = z.strictObject({ challenge: z.string().min(8).max(256), reporter_key: z.string().max(64), signature: z.string().max(128) });
export const POST = handle(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  const b = await parseJson(req, Body);
  return Response.json(await proveAuthorship({ id: (await ctx.params).id, challenge: b.challenge, reporterKey: b.reporter_key, signature: b.signature }));
});
