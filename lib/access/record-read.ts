import type { Sql, SqlTx } from "../db/sql";
import type { Viewer } from "./viewer";
import type { ReadBasis } from "./check-read";
import { accessSwitches } from "./bench-switches";

/**
 * Every read the console records, by where it happened. The access log names each in the
 * reader's language (messages `accessAction.<action>`; a unit test checks each has one).
 */
export const ACCESS_ACTIONS = [
  "readings", "stream", "provenance", "provenance.datum", "provenance.prov", "provenance.receipt", "sources",
  "traffic.sensors", "traffic.latest", "map.latest", "map.latest.cells", "map.kpis", "map.frames", "map.feature", "map.features",
  "rules.preview", "ngsi.entities", "ngsi.notify",
] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

export type ReadRecord = {
  /** What was read. */
  action: AccessAction;
  /** How many records (readings, aggregate rows, features) were returned; null when unknown (streams). */
  count: number | null;
  /** Observed-time range of the records returned (or asked for). */
  from?: Date | string | null;
  until?: Date | string | null;
};

const ts = (v: Date | string | null | undefined) => (v === null || v === undefined ? null : new Date(v).toISOString());

/**
 * Records one read of data as an access event (who, which department, which dataset, how
 * many records over which time range, under ownership, a grant or public access), before
 * the data is returned. The access-log job ledgers events in batches (access.v1).
 */
export async function recordRead(sql: Sql | SqlTx, viewer: Viewer, basis: ReadBasis, rec: ReadRecord): Promise<void> {
  if (!accessSwitches.log) return;
  const user = viewer.kind === "user" ? viewer : null;
  await sql.query(
    `INSERT INTO access_event (user_id, department_id, role, dataset_id, owner_department_id, basis, grant_id, scope, action, record_count, range_from, range_until)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [user?.userId ?? null, user?.departmentId ?? null, user?.role ?? null, basis.datasetId, basis.ownerDepartmentId, basis.basis, basis.grantId ?? null, basis.scope, rec.action, rec.count, ts(rec.from), ts(rec.until)],
  );
}
