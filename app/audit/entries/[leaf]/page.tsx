// GET /audit/entries/{leaf} – one ledger entry by its kind, its inclusion verified in the browser
import { pathIndex } from "@/app/path-index";
import { EntryViewer } from "@/components/audit/entry-viewer";

export default async function EntryPage({ params }: { params: Promise<{ leaf: string }> }) {
  return <EntryViewer leaf={await pathIndex(params, "leaf")} />;
}
