// GET /report/mine – the reports of this browser's reporter key, with their status history
import { MyReports } from "@/components/citizen/my-reports";

export default function MyReportsPage() {
  return <MyReports />;
}
