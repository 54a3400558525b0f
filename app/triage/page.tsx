// GET /triage – a department's citizen-report queue: new reports on a map and in a list, with the triage actions
import { TriageQueue } from "@/components/citizen/triage-queue";

export const dynamic = "force-dynamic";
export default function TriagePage() {
  return <TriageQueue />;
}
