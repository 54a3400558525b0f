"use client";
import { useQuery } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";

type Sources = { total: number; sources: { leafIndex: number; device: string; observedAt: string; value: number | string | null }[] };

/** The readings behind a derived value, each linking to its provenance. */
export function SourcesView({ query }: { query: string }) {
  const { t, locale } = useI18n();
  const q = useQuery({
    queryKey: ["sources", query],
    queryFn: async () => {
      const res = await fetch(`/api/provenance/sources?${query}`);
      const body = await res.json();
      if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
      return body as Sources;
    },
  });
  const field = new URLSearchParams(query).get("field");
  return (
    <div className="doc-page" data-testid="sources">
      <h1>{t("sources.title")}</h1>
      <p className="muted">{t("sources.intro")}</p>
      {q.error && <p className="error-box">{(q.error as Error).message}</p>}
      {q.data && (
        <>
          <p>
            {q.data.total.toLocaleString(locale)} {t("sources.total")}
            {q.data.total > q.data.sources.length ? ` · ${t("sources.showing")} ${q.data.sources.length}` : ""}
          </p>
          <table className="data-table">
            <thead>
              <tr>
                <th>{t("audit.leaf")}</th>
                <th>{t("prov.device")}</th>
                <th>{t("prov.observed")}</th>
                {field && <th>{field}</th>}
              </tr>
            </thead>
            <tbody>
              {q.data.sources.map((s) => (
                <tr key={s.leafIndex}>
                  <td>
                    <a href={`/provenance/reading/${s.leafIndex}`}>{s.leafIndex}</a>
                  </td>
                  <td>{s.device}</td>
                  <td>{new Date(s.observedAt).toLocaleString(locale, { hour12: false })}</td>
                  {field && <td>{String(s.value ?? "—")}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
