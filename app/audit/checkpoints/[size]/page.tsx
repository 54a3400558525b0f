// GET /audit/checkpoints/{size} – one checkpoint: note, cosignatures, consistency to the newest
import { pathIndex } from "@/app/path-index";
import { CheckpointView } from "@/components/audit/checkpoint-view";

export default async function CheckpointPage({ params }: { params: Promise<{ size: string }> }) {
  return <CheckpointView size={await pathIndex(params, "size")} />;
}
