// GET /report – file a citizen report (no account needed)
import { ReportForm } from "@/components/citizen/report-form";

export default function ReportPage() {
  return <ReportForm />;
}
