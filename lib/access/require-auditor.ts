import { AppError } from "../errors";
import type { Viewer } from "./viewer";

/** Throws 401 for guests and 403 unless the viewer is an auditor or a sysadmin. */
export function requireAuditor(viewer: Viewer): void {
  if (viewer.kind !== "user") throw new AppError("unauthenticated", "sign in as an auditor", "sign in as an auditor");
  if (viewer.role !== "auditor" && viewer.role !== "sysadmin") {
    throw new AppError("forbidden", "only auditors may run the ledger audit", "only auditors may run the ledger audit");
  }
}
