// GET /admin/rules – emergency linkage rules and the grants they made
import { RulesAdmin } from "@/components/grants/rules-admin";

export const dynamic = "force-dynamic";
export default function RulesPage() {
  return <RulesAdmin />;
}
