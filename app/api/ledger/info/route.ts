// GET /api/ledger/info – the log's origin, keys, witnesses, quorum and latest checkpoints
import { handle } from "@/lib/http/respond";
import { viewerFromRequest } from "@/lib/access/viewer";
import { getLedgerInfo } from "@/lib/ledger-store/get-ledger-info";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => Response.json(await getLedgerInfo({ viewer: await viewerFromRequest(req) })));
