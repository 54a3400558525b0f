// GET /provenance/reading/{leaf} – a reading's trail, verified in the browser
import { pathIndex } from "@/app/path-index";
import { ProvenanceView } from "@/components/provenance/provenance-view";

export default async function ProvenancePage({ params }: { params: Promise<{ leaf: string }> }) {
  return <ProvenanceView leaf={await pathIndex(params, "leaf")} />;
}
