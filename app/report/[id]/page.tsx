// GET /report/{id} – a citizen report's public page (coarse location, status, ledger proof)
import { PublicReportView } from "@/components/citizen/public-report";

export default async function PublicReportPage({ params }: { params: Promise<{ id: string }> }) {
  return <PublicReportView id={(await params).id} />;
}
