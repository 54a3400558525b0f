import { getBus } from "../runtime/bus";
import type { GrantRow } from "./grant-row";
import type { GrantAction } from "./record-grant-change";

/**
 * Tells this process's live streams that a grant changed, so open maps check access again at
 * once instead of at their next heartbeat. Call it after the transaction that changed the
 * grant committed (recordGrantChange runs inside it): a listener that re-checks then sees
 * the new state.
 */
export function announceGrantChange(g: Pick<GrantRow, "id" | "dataset_id" | "owner_department_id" | "grantee_department_id">, action: GrantAction): void {
  getBus().emit("grants", { grantId: g.id, datasetId: g.dataset_id, ownerDepartmentId: g.owner_department_id, granteeDepartmentId: g.grantee_department_id, action });
}
