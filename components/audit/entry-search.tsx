"use client";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { ENTRY_KINDS } from "@/lib/ledger/entry-kinds";
import type { MessageKey } from "@/lib/i18n/messages";
import { fetchJson } from "@/components/http/fetch-json";
import { useI18n } from "../i18n/i18n-provider";
import { ENTRY_FIELD_LABELS, entryHeadline } from "./entry-fields";
import { formatCityTime } from "@/lib/i18n/city-time";
import { cityInputIso } from "@/lib/i18n/city-time";
import { TableHead } from "@/components/ui/table-head";
import { ChoiceSelect } from "@/components/ui/choice-select";
import { SubmitForm } from "@/components/ui/submit-form";

type Entry = { leafIndex: number; kind: string; ref: string | null; sequencedAt: string; entry: Record<string, unknown>; opened?: { salt: string; entry: Record<string, unknown> } };

/** Search the ledger by kind, dataset, device and time; readings link to their provenance. */
export function EntrySearch() {
  const { t, locale } = useI18n();
  const [form, setForm] = useState({ kind: "", dataset: "", device: "", from: "", to: "" });
  const [query, setQuery] = useState<string>("limit=50");
  const entries = useQuery({
    queryKey: ["ledger-entries", query],
    queryFn: () => fetchJson<{ entries: Entry[] }>(`/api/ledger/entries?${query}`),
  });
  const submit = (before?: number) => {
    const p = new URLSearchParams({ limit: "50" });
    for (const [k, v] of Object.entries(form)) if (v) p.set(k, k === "from" || k === "to" ? (cityInputIso(v) ?? v) : v);
    if (before !== undefined) p.set("before", String(before));
    setQuery(p.toString());
  };
  const list = entries.data?.entries ?? [];
  return (
    <section data-testid="entry-search">
      <h2>{t("audit.search")}</h2>
      <SubmitForm
        className="filters"
        onSubmit={submit}
      >
        <label>
          {t("audit.kind")}
          <ChoiceSelect value={form.kind} onChange={(kind) => setForm({ ...form, kind })} data-testid="search-kind" none={{ label: t("audit.any") }} choices={ENTRY_KINDS.map((k) => [k, t(`entryKind.${k}`)])} />
        </label>
        <label>
          {t("audit.dataset")}
          <input value={form.dataset} onChange={(e) => setForm({ ...form, dataset: e.target.value })} placeholder="traffic.flow" />
        </label>
        <label>
          {t("audit.device")}
          <input value={form.device} onChange={(e) => setForm({ ...form, device: e.target.value })} placeholder="trf-000001" data-testid="search-device" />
        </label>
        <label>
          {t("audit.from")}
          <input type="datetime-local" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
        </label>
        <label>
          {t("audit.to")}
          <input type="datetime-local" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />
        </label>
        <button type="submit" className="button" data-testid="search-submit">
          {t("audit.searchButton")}
        </button>
      </SubmitForm>
      {entries.error && <p className="error-box">{(entries.error as Error).message}</p>}
      {list.length === 0 && entries.data ? (
        <p className="muted">{t("audit.noEntries")}</p>
      ) : (
        <table className="data-table" data-testid="entries">
          <TableHead headings={[t("audit.leaf"), t("audit.kind"), t("audit.sequenced"), t("audit.summary")]} />
          <tbody>
            {list.map((e) => {
              const shown = e.opened?.entry ?? e.entry;
              return (
                <tr key={e.leafIndex}>
                  <td>
                    <a href={`/audit/entries/${e.leafIndex}`}>{e.leafIndex}</a>
                  </td>
                  <td title={e.kind}>{t(`entryKind.${e.kind}` as MessageKey)}</td>
                  <td>{formatCityTime(e.sequencedAt, locale)}</td>
                  <td className="entry-headline">
                    {entryHeadline(shown).map((f) => (
                      <span key={f.key}>
                        <span className="muted">{ENTRY_FIELD_LABELS[f.key] ? t(ENTRY_FIELD_LABELS[f.key]) : f.key}</span> {f.value}
                      </span>
                    ))}
                    {e.kind === "commitment.v1" && !e.opened && <span className="muted">{t("entryKind.commitment.v1")}</span>}
                    {String(shown.kind) === "reading.v1" && (
                      <a href={`/provenance/reading/${e.leafIndex}`} className="entry-provenance">
                        {t("entryView.provenance")}
                      </a>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {list.length === 50 && (
        <button type="button" className="button secondary" onClick={() => submit(list[list.length - 1].leafIndex)}>
          {t("audit.more")}
        </button>
      )}
    </section>
  );
}
