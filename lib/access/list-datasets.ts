import type { Viewer } from "./viewer";
import { checkRead } from "./check-read";
import { getDb } from "../db/client";
import { AppError } from "../errors";

/** Every dataset, each marked readable or not for the viewer by the one access check. */
export async function listDatasets(opts: { viewer: Viewer }) {
  const db = await getDb();
  const rows = await db.sql.query<{
    id: string;
    department_id: string;
    domain: string;
    name_zh: string;
    name_en: string;
    sensitivity: string;
  }>(`SELECT id, department_id, domain, name_zh, name_en, sensitivity FROM dataset ORDER BY id`);
  const datasets = [];
  for (const r of rows) {
    let readable = true;
    try {
      await checkRead(db.sql, opts.viewer, r.id);
    } catch (e) {
      if (!(e instanceof AppError && e.code === "forbidden")) throw e;
      readable = false;
    }
    datasets.push({
      id: r.id,
      departmentId: r.department_id,
      domain: r.domain,
      nameZh: r.name_zh,
      nameEn: r.name_en,
      sensitivity: r.sensitivity,
      readable,
    });
  }
  return { datasets };
}
