// GET /api/auth/users/{id}/events – an account's history: its account.v1 entries (sysadmins, auditors)
import { objectRoute } from "@/lib/http/object-route";
import { UserIdParams } from "@/lib/api/specs";
import { listAccountEvents } from "@/lib/auth/account-history";

export const dynamic = "force-dynamic";
export const GET = objectRoute({ params: UserIdParams }, ({ viewer, params }) => listAccountEvents({ viewer, userId: params.id }));
