import type { Viewer } from "./viewer";
import { accessInfo, tryCheckRead, type AccessInfo } from "./check-read";
import type { NoAccessReason } from "./explain-no-access";
import { getDb } from "../db/client";

export type DatasetListItem = {
  id: string;
  departmentId: string;
  domain: string;
  nameZh: string;
  nameEn: string;
  sensitivity: string;
  readable: boolean;
  /** Why the viewer may read it and at what scope (when readable). */
  access?: AccessInfo;
  /** Why not (when not readable): never granted, revoked, expired, rejected, requested, or sign in. */
  denied?: NoAccessReason;
};

/** Every dataset, each marked readable or not for the viewer by the one access check, with the reason. */
export async function listDatasets(opts: { viewer: Viewer }): Promise<{ datasets: DatasetListItem[] }> {
  const db = await getDb();
  const rows = await db.sql.query<{
    id: string;
    department_id: string;
    domain: string;
    name_zh: string;
    name_en: string;
    sensitivity: string;
  }>(`SELECT id, department_id, domain, name_zh, name_en, sensitivity FROM dataset ORDER BY id`);
  const datasets: DatasetListItem[] = [];
  for (const r of rows) {
    const b = await tryCheckRead(db.sql, opts.viewer, r.id);
    datasets.push({
      id: r.id,
      departmentId: r.department_id,
      domain: r.domain,
      nameZh: r.name_zh,
      nameEn: r.name_en,
      sensitivity: r.sensitivity,
      readable: !("denied" in b),
      ...("denied" in b ? { denied: b.denied } : { access: accessInfo(b) }),
    });
  }
  return { datasets };
}
