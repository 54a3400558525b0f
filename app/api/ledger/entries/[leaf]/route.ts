// GET /api/ledger/entries/{leaf} – one ledger entry with its exact text and a receipt to verify
import { handle } from "@/lib/http/respond";
import { EntryLeafParam } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getLedgerEntry } from "@/lib/ledger-store/get-entry";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request, ctx: { params: Promise<{ leaf: string }> }) => {
  const { leaf } = EntryLeafParam.parse(await ctx.params);
  return Response.json(await getLedgerEntry({ viewer: await viewerFromRequest(req), leaf }));
});
