// GET /admin/devices – the department admin's device registry
import { DevicesAdmin } from "@/components/admin/devices-admin";

export const dynamic = "force-dynamic";
export default function DevicesAdminPage() {
  return <DevicesAdmin />;
}
