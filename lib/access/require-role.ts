import { AppError } from "../errors";
import type { Viewer } from "./viewer";
import type { Role } from "./roles";

type User = Extract<Viewer, { kind: "user" }>;

/** Throws 401 for guests; returns the signed-in user. */
export function requireUser(viewer: Viewer, what = "do this"): User {
  if (viewer.kind !== "user") throw new AppError("unauthenticated", `sign in to ${what}`, `sign in to ${what}`);
  return viewer;
}

/** Throws 401 for guests and 403 unless the viewer holds one of the roles. */
export function requireRole(viewer: Viewer, roles: readonly Role[], what = "do this"): User {
  const u = requireUser(viewer, what);
  if (!roles.includes(u.role)) {
    const hint = u.needsTwoFactor ? " (set up two-factor sign-in first)" : "";
    throw new AppError("forbidden", `role ${u.role} may not ${what}`, `only ${roles.join(" or ")} may ${what}${hint}`);
  }
  return u;
}

/** Throws 401 for guests and 403 unless the viewer is a dept_admin of departmentId (or sysadmin). */
export function requireDepartmentAdmin(viewer: Viewer, departmentId: string): void {
  if (viewer.kind !== "user") throw new AppError("unauthenticated", "sign in as a department admin", "sign in as a department admin");
  if (viewer.role === "sysadmin") return;
  if (viewer.role !== "dept_admin" || viewer.departmentId !== departmentId)
    throw new AppError("forbidden", `only admins of department ${departmentId} may do this`, `only admins of department ${departmentId} may do this`);
}

/**
 * Throws 401 for guests and 403 unless the viewer is an admin (dept_admin or sysadmin) of
 * departmentId itself: a sysadmin of another department does not decide for this one.
 */
export function requireOwnAdmin(viewer: Viewer, departmentId: string, what: string): User {
  const u = requireRole(viewer, ["dept_admin", "sysadmin"], what);
  if (u.departmentId !== departmentId)
    throw new AppError("forbidden", `${u.departmentId} admin may not ${what} for ${departmentId}`, `only admins of department ${departmentId} may ${what}`);
  return u;
}

/**
 * The department an admin list shows (devices, dead letters): the one asked for, else the
 * viewer's own; a sysadmin asking for none sees every department (undefined). Throws 401 for
 * guests and 403 unless the viewer administers that department.
 */
export function adminListDepartment(viewer: Viewer, asked?: string): string | undefined {
  const department = asked ?? (viewer.kind === "user" && viewer.role !== "sysadmin" ? viewer.departmentId : undefined);
  requireDepartmentAdmin(viewer, department ?? "*");
  return department;
}
