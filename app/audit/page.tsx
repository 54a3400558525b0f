// GET /audit – the auditor's workspace: full audit, a kept checkpoint, checkpoints, consistency, ledger search
import { requestLocale } from "../locale";
import { EntrySearch } from "@/components/audit/entry-search";
import { CheckpointBrowser } from "@/components/audit/checkpoint-browser";
import { FullAudit } from "@/components/audit/full-audit";
import { KeptCheckpoint } from "@/components/audit/kept-checkpoint";

export default async function AuditPage() {
  const { messages: m } = await requestLocale();
  return (
    <div data-testid="audit-page">
      <h1>{m["audit.title"]}</h1>
      <FullAudit />
      <KeptCheckpoint />
      <CheckpointBrowser />
      <EntrySearch />
    </div>
  );
}
