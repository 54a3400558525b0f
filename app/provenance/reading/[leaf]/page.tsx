// GET /provenance/reading/{leaf} – a reading's trail, verified in the browser
import { notFound } from "next/navigation";
import { ProvenanceView } from "@/components/provenance/provenance-view";

export default async function ProvenancePage({ params }: { params: Promise<{ leaf: string }> }) {
  const { leaf } = await params;
  if (!/^\d{1,15}$/.test(leaf)) notFound();
  return <ProvenanceView leaf={Number(leaf)} />;
}
