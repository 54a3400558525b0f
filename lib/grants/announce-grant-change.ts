import { getBus } from "../events/bus";
import type { GrantRow } from "./grant-row";
import type { GrantAction } from "./record-grant-change";

/**
 * Tells every console process's live streams that a grant changed (through the bus, so a
 * browser connected to another process hears it too), so open maps check access again at
 * once instead of at their next heartbeat. Call it after the transaction that changed the
 * grant committed (recordGrantChange runs inside it): a listener that re-checks then sees
 * the new state. Resolves once the event is sent; a failure to send is logged (the
 * heartbeat's check catches up), never thrown at the grant's caller.
 */
export async function announceGrantChange(g: Pick<GrantRow, "id" | "dataset_id" | "owner_department_id" | "grantee_department_id">, action: GrantAction): Promise<void> {
  const change = { grantId: g.id, datasetId: g.dataset_id, ownerDepartmentId: g.owner_department_id, granteeDepartmentId: g.grantee_department_id, action };
  await getBus()
    .publish("grants", change)
    .catch((e: Error) => console.error(`city-brain: announcing grant ${g.id} ${action} failed: ${e.message}`));
}
