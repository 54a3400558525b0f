// GET /audit/checkpoints/{size} – one checkpoint: note, cosignatures, consistency to the newest
import { notFound } from "next/navigation";
import { CheckpointView } from "@/components/audit/checkpoint-view";

export default async function CheckpointPage({ params }: { params: Promise<{ size: string }> }) {
  const { size } = await params;
  if (!/^\d{1,15}$/.test(size)) notFound();
  return (
    <div className="doc-page wide">
      <CheckpointView size={Number(size)} />
    </div>
  );
}
