// GET /audit – the auditor's workspace: ledger search, checkpoints, consistency, full audit
import { requestLocale } from "../locale";
import { EntrySearch } from "@/components/audit/entry-search";
import { CheckpointBrowser } from "@/components/audit/checkpoint-browser";
import { FullAudit } from "@/components/audit/full-audit";

export default async function AuditPage() {
  const { messages: m } = await requestLocale();
  return (
    <div className="doc-page wide" data-testid="audit-page">
      <h1>{m["audit.title"]}</h1>
      <FullAudit />
      <CheckpointBrowser />
      <EntrySearch />
    </div>
  );
}
