/**
 * Who is reading. Until sign-in exists (issue 7) every request is a guest, and guests
 * may read only datasets whose sensitivity is "public".
 */
export type Viewer =
  | { kind: "guest" }
  | { kind: "user"; userId: string; departmentId: string; role: "official" | "dept_admin" | "auditor" | "sysadmin" };

/** The viewer of a request. It never trusts ids sent by the client. */
export async function viewerFromRequest(_req: Request): Promise<Viewer> {
  return { kind: "guest" };
}
