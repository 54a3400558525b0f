"use client";
import { useQuery } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { formatCityTime } from "@/lib/i18n/city-time";
import { TableHead } from "@/components/ui/table-head";

type Sources = {
  total: number;
  /** The time range searched: the request's, cut to the grant's data window (null when they do not meet). */
  window: { from: string; to: string } | null;
  sources: { leafIndex: number; device: string; observedAt: string; value: number | string | null }[];
};

/** A refused or failed request: the status and the server's reason. */
class SourcesError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The readings behind a derived value, each linking to its provenance. */
export function SourcesView({ query }: { query: string }) {
  const { t, locale } = useI18n();
  const q = useQuery({
    queryKey: ["sources", query],
    queryFn: async () => {
      const res = await fetch(`/api/provenance/sources?${query}`);
      const body = await res.json();
      if (!res.ok) throw new SourcesError(res.status, body?.error?.message ?? `HTTP ${res.status}`);
      return body as Sources;
    },
    retry: false,
  });
  const field = new URLSearchParams(query).get("field");
  return (
    <div className="doc-page" data-testid="sources">
      <h1>{t("sources.title")}</h1>
      <p className="muted">{t("sources.intro")}</p>
      {q.error && (
        <div className="error-box" data-testid="sources-error" data-status={q.error instanceof SourcesError ? q.error.status : undefined}>
          {q.error instanceof SourcesError && q.error.status === 403 && <strong>{t("sources.refused")}</strong>}
          <p style={{ margin: "6px 0 0" }}>{q.error.message}</p>
        </div>
      )}
      {q.data && (
        <>
          {q.data.window && (
            <p className="muted">
              {t("sources.searched")}: {formatCityTime(q.data.window.from, locale)} – {formatCityTime(q.data.window.to, locale)}
            </p>
          )}
          <p>
            {q.data.total.toLocaleString(locale)} {t("sources.total")}
            {q.data.total > q.data.sources.length ? ` · ${t("sources.showing")} ${q.data.sources.length}` : ""}
          </p>
          <table className="data-table">
            <TableHead headings={[t("audit.leaf"), t("prov.device"), t("prov.observed"), ...(field ? [field] : [])]} />
            <tbody>
              {q.data.sources.map((s) => (
                <tr key={s.leafIndex}>
                  <td>
                    <a href={`/provenance/reading/${s.leafIndex}`}>{s.leafIndex}</a>
                  </td>
                  <td>{s.device}</td>
                  <td>{formatCityTime(s.observedAt, locale)}</td>
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
