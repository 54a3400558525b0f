// GET /api/ledger/entries – search ledger entries
import { handle, parseQuery } from "@/lib/http/respond";
import { EntriesQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { searchEntries } from "@/lib/ledger-store/search-entries";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, EntriesQuery);
  return Response.json(await searchEntries({ viewer: await viewerFromRequest(req), ...q }));
});
