// GET /api/access-events/export – the filtered access log as a CSV file
import { handle, parseQuery } from "@/lib/http/respond";
import { AccessExportQuery } from "@/lib/api/specs";
import { viewerFromRequest } from "@/lib/access/viewer";
import { exportAccessEventsCsv } from "@/lib/access/list-access-events";

export const dynamic = "force-dynamic";
export const GET = handle(async (req: Request) => {
  const q = parseQuery(req, AccessExportQuery);
  const { csv } = await exportAccessEventsCsv({ viewer: await viewerFromRequest(req), ...q });
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
  return new Response(csv, {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="access-log-${stamp}Z.csv"`, "cache-control": "no-store" },
  });
});
