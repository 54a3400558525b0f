// PATCH /api/auth/users/{id} – change an account's role or department, or disable it (sysadmins)
import { objectRoute } from "@/lib/http/object-route";
import { UpdateUserBody, UserIdParams } from "@/lib/api/specs";
import { updateUser } from "@/lib/auth/manage-users";

export const dynamic = "force-dynamic";
export const PATCH = objectRoute({ params: UserIdParams, body: UpdateUserBody }, ({ viewer, params, body }) => updateUser({ viewer, userId: params.id, change: body }));
