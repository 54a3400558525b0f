// POST /api/ingest/readings – one reading signed by a registered device
import { handle } from "@/lib/http/respond";
import { ingestHttpReading } from "@/lib/ingest/ingest-http";

export const dynamic = "force-dynamic";
export const POST = handle(async (req: Request) => {
  const r = await ingestHttpReading({ req });
  return Response.json(r.body, { status: r.status });
});
