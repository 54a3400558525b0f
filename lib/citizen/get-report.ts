import { getDb } from "../db/client";
import { notFound } from "../errors";
import { publicReports, type PublicReport } from "./report-rows";

/** One report as anyone may see it (public page): coarse location, status history, no contact. */
export async function getReport(opts: { id: string }): Promise<PublicReport> {
  const { sql } = await getDb();
  const [r] = await publicReports(sql, "id = $1", [opts.id]);
  if (!r) throw notFound("report", opts.id);
  return r;
}
