import { AppError } from "../errors";
import type { Viewer } from "./viewer";
/** Throws 401 for guests and 403 unless the viewer is a dept_admin of departmentId (or sysadmin). */
export function requireDepartmentAdmin(viewer: Viewer, departmentId: string): void {
  if (viewer.kind !== "user") throw new AppError("unauthenticated", "sign in as a department admin", "sign in as a department admin");
  if (viewer.role === "sysadmin") return;
  if (viewer.role !== "dept_admin" || viewer.departmentId !== departmentId)
    throw new AppError("forbidden", `only admins of department ${departmentId} may do this`, `only admins of department ${departmentId} may do this`);
}
