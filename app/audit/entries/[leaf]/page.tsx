// GET /audit/entries/{leaf} – one ledger entry by its kind, its inclusion verified in the browser
import { notFound } from "next/navigation";
import { EntryViewer } from "@/components/audit/entry-viewer";

export default async function EntryPage({ params }: { params: Promise<{ leaf: string }> }) {
  const { leaf } = await params;
  if (!/^\d{1,15}$/.test(leaf)) notFound();
  return (
    <div className="doc-page wide">
      <EntryViewer leaf={Number(leaf)} />
    </div>
  );
}
