// GET /admin/dead-letters – refused messages with counts by reason
import { DeadLettersAdmin } from "@/components/admin/dead-letters-admin";

export const dynamic = "force-dynamic";
export default function DeadLettersAdminPage() {
  return <DeadLettersAdmin />;
}
