// GET /api/metrics – the process's memory, heap, event-loop delay and database size (Prometheus text; Bearer METRICS_TOKEN)
import { handle } from "@/lib/http/respond";
import { getProcessMetrics } from "@/lib/ops/process-metrics";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) =>
  new Response(await getProcessMetrics(req.headers.get("authorization")), {
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" },
  }),
);
