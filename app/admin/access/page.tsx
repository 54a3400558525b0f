// GET /admin/access – who read what (owner's admins, auditors), accounts (sysadmins) and the department's API keys (admins)
import { AccessLog } from "@/components/grants/access-log";
import { ApiKeysAdmin } from "@/components/admin/api-keys-admin";

export const dynamic = "force-dynamic";
export default function AccessPage() {
  return (
    <>
      <AccessLog />
      <ApiKeysAdmin />
    </>
  );
}
