"use client";
import { useQuery } from "@tanstack/react-query";
import { sha256 } from "@/lib/ledger/sha256";
import { webCryptoEd25519 } from "@/lib/ledger/ed25519";
import { verifyEntryReceipt } from "@/lib/provenance/verify-datum";
import { fetchPublishedKeys, trustOf } from "../provenance/browser-verify";
import { CheckList } from "../provenance/check-list";
import { fetchJson } from "@/components/http/fetch-json";
import { useI18n } from "../i18n/i18n-provider";
import { ENTRY_FIELD_LABELS, entryFields } from "./entry-fields";
import type { MessageKey } from "@/lib/i18n/messages";
import { formatCityTime } from "@/lib/i18n/city-time";

type EntryResponse = {
  leafIndex: number;
  kind: string;
  ref: string | null;
  sequencedAt: string;
  entry: Record<string, unknown>;
  opened?: { salt: string; entry: Record<string, unknown> };
  text: string;
  receipt: string | null;
};

const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** One ledger entry rendered by its kind, its inclusion in a cosigned checkpoint verified in this browser. */
export function EntryViewer({ leaf }: { leaf: number }) {
  const { t, locale } = useI18n();
  const entry = useQuery({
    queryKey: ["ledger-entry", leaf],
    queryFn: () => fetchJson<EntryResponse>(`/api/ledger/entries/${leaf}`),
    // Until a quorum-cosigned checkpoint holds it (seconds), ask again.
    refetchInterval: (q) => (q.state.data && !q.state.data.receipt ? 2000 : false),
  });
  const e = entry.data;
  const verification = useQuery({
    queryKey: ["ledger-entry-verify", leaf, e?.receipt],
    enabled: !!e?.receipt,
    queryFn: async () => verifyEntryReceipt({ leafIndex: e!.leafIndex, text: e!.text, receipt: e!.receipt! }, { hasher: sha256, ed25519: webCryptoEd25519(), trust: trustOf(await fetchPublishedKeys()) }),
  });
  if (entry.error) return <p className="error-box">{(entry.error as Error).message}</p>;
  if (!e) return <p className="muted">{t("map.loading")}</p>;
  const shown = e.opened?.entry ?? e.entry;
  const shownKind = String(shown.kind ?? e.kind);
  return (
    <div data-testid="entry-viewer" data-kind={e.kind}>
      <h1>
        {t("entryView.title").replace("{leaf}", e.leafIndex.toLocaleString(locale))} · {t(`entryKind.${e.kind}` as MessageKey)}
      </h1>
      <p className="muted">
        {t("audit.sequenced")}: {formatCityTime(e.sequencedAt, locale)}
        {" · "}
        <a href={`/audit/entries/${Math.max(0, e.leafIndex - 1)}`}>← {t("entryView.previous")}</a>
        {" · "}
        <a href={`/audit/entries/${e.leafIndex + 1}`}>{t("entryView.next")} →</a>
        {shownKind === "reading.v1" && (
          <>
            {" · "}
            <a href={`/provenance/reading/${e.leafIndex}`}>{t("entryView.provenance")}</a>
          </>
        )}
      </p>
      {e.kind === "commitment.v1" && <p className="muted" data-testid="entry-sealed">{e.opened ? t("entryView.opened") : t("entryView.sealed")}</p>}
      <table className="data-table" data-testid="entry-fields">
        <tbody>
          <tr>
            <th>{t("audit.kind")}</th>
            <td>
              {t(`entryKind.${shownKind}` as MessageKey)} <code>{shownKind}</code>
            </td>
          </tr>
          {entryFields(shown).map((f) => (
            <tr key={f.key}>
              <th>{ENTRY_FIELD_LABELS[f.key] ? t(ENTRY_FIELD_LABELS[f.key]) : f.key}</th>
              <td>
                <code>{f.value}</code>
                {ISO_INSTANT.test(f.value) && <span className="muted"> · {formatCityTime(f.value, locale)}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{t("prov.checks")}</h2>
      {!e.receipt && <p className="muted" data-testid="entry-pending">{t("entryView.pending")}</p>}
      {verification.data && (
        <>
          <div className={verification.data.ok ? "verdict ok" : "verdict failed"} data-testid="entry-verdict" data-ok={verification.data.ok}>
            {verification.data.ok ? `✓ ${t("prov.allPassed")}` : `✗ ${t("prov.someFailed")}`}
            {verification.data.checkpointSize !== undefined && (
              <>
                {" · "}
                <a href={`/audit/checkpoints/${verification.data.checkpointSize}`}>{t("entryView.inCheckpoint").replace("{size}", verification.data.checkpointSize.toLocaleString(locale))}</a>
              </>
            )}
          </div>
          <CheckList checks={verification.data.checks} />
        </>
      )}
      <details>
        <summary>{t("entryView.raw")}</summary>
        <pre className="note">{e.text}</pre>
      </details>
    </div>
  );
}
