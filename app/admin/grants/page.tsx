// GET /admin/grants – our datasets and who may read them, requests to decide, our requests
import { GrantsAdmin } from "@/components/grants/grants-admin";

export const dynamic = "force-dynamic";
export default function GrantsPage() {
  return <GrantsAdmin />;
}
