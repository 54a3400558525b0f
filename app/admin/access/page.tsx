// GET /admin/access – who read what (owner's admins, auditors) and accounts (sysadmins)
import { AccessLog } from "@/components/grants/access-log";

export const dynamic = "force-dynamic";
export default function AccessPage() {
  return <AccessLog />;
}
