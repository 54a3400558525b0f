// POST /api/ingest/batch – NDJSON signed readings, or one edge gateway's signed batch (JSON)
import { handle } from "@/lib/http/respond";
import { ingestHttpBatch } from "@/lib/ingest/ingest-http";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request) => {
  const r = await ingestHttpBatch({ req });
  return Response.json(r.body, { status: r.status });
});
