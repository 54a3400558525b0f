"use client";
import { useState } from "react";
import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import type { DeadLetterItem } from "@/lib/ingest/list-dead-letters";
import type { MessageKey } from "@/lib/i18n/messages";
import { formatCityTime } from "@/lib/i18n/city-time";
import { fill } from "@/lib/i18n/fill";
import { fetchJson } from "@/components/http/fetch-json";
import { AdminNotice } from "./admin-notice";
import styles from "../console.module.css";
import { TableHead } from "@/components/ui/table-head";

type Filters = { reason: string; department: string; before: number | null };
type Page = { total: number; counts: { reason: string; count: number }[]; items: DeadLetterItem[]; dropped?: { count: number; lastAt: string | null; maxPerMinute: number } };

export const deadLettersQuery = (f: Filters) =>
  queryOptions({
    queryKey: ["dead-letters", f],
    queryFn: () => {
      const p = new URLSearchParams({ limit: "50" });
      if (f.reason) p.set("reason", f.reason);
      if (f.department) p.set("department", f.department);
      if (f.before) p.set("before", String(f.before));
      return fetchJson<Page>(`/api/dead-letters?${p}`);
    },
    retry: false,
    refetchInterval: 10_000,
    placeholderData: keepPreviousData,
  });

/** Refused messages of the admin's department with counts by reason. */
export function DeadLettersAdmin() {
  const { t, locale } = useI18n();
  const [f, setF] = useState<Filters>({ reason: "", department: "", before: null });
  const q = useQuery(deadLettersQuery(f));
  const reasonLabel = (r: string) => {
    const key = `reason.${r}` as MessageKey;
    return t(key) ?? r;
  };
  return (
    <div className={styles.page} data-testid="dead-letters-admin">
      <h1>{t("admin.dead.title")}</h1>
      <p className={styles.intro}>{t("admin.dead.intro")}</p>
      <div className={styles.toolbar}>
        <input aria-label={t("admin.department")} placeholder={t("admin.departmentMine")} value={f.department} onChange={(e) => setF({ ...f, department: e.target.value.trim(), before: null })} size={14} />
        {q.data && (
          <span className={styles.muted}>
            {q.data.total} {t("admin.dead.total")}
          </span>
        )}
        {q.data?.dropped && q.data.dropped.count > 0 && (
          <span className={styles.muted} data-testid="dead-letters-dropped">
            {t("admin.dead.dropped")
              .replace("{count}", String(q.data.dropped.count))
              .replace("{max}", String(q.data.dropped.maxPerMinute))}
          </span>
        )}
      </div>
      <AdminNotice error={q.error} loading={q.isLoading} />
      {q.data && (
        <>
          <div className={styles.chips} data-testid="dead-letter-counts">
            <button className={`${styles.chip} ${f.reason === "" ? styles.chipOn : ""}`} onClick={() => setF({ ...f, reason: "", before: null })}>
              {t("admin.dead.all")}
              <span className={styles.count}>{q.data.total}</span>
            </button>
            {q.data.counts.map((c) => (
              <button key={c.reason} className={`${styles.chip} ${f.reason === c.reason ? styles.chipOn : ""}`} onClick={() => setF({ ...f, reason: c.reason, before: null })}>
                {reasonLabel(c.reason)}
                <span className={styles.count}>{c.count}</span>
              </button>
            ))}
          </div>
          {q.data.items.length === 0 ? (
            <p className={styles.muted}>{t("admin.dead.empty")}</p>
          ) : (
            <table className={styles.table}>
              <TableHead headings={[t("admin.dead.time"), t("admin.dead.reason"), t("admin.dead.device"), t("admin.dead.source"), t("admin.dead.raw")]} />
              <tbody>
                {q.data.items.map((d) => (
                  <tr key={d.id} data-testid="dead-letter">
                    <td className={styles.muted}>{formatCityTime(d.receivedAt, locale)}</td>
                    <td>
                      <span className={`${styles.badge} ${styles.revoked}`}>{reasonLabel(d.reason)}</span>
                      {d.fieldPath && <div className={styles.mono}>{d.fieldPath}</div>}
                      {/* The intake's sentence is stored with the message as it was refused (English): said so in Chinese, not translated by guess. */}
                      <div className={styles.muted} lang="en" title={t("admin.dead.detailNote")}>
                        {locale === "en" ? "" : `${t("admin.dead.detailNote")}：`}
                        {d.reasonText}
                      </div>
                    </td>
                    <td className={styles.mono}>
                      {d.deviceId ?? "—"}
                      {d.gatewayDeviceId && <div className={styles.muted}>{fill(t("admin.dead.via"), { gateway: d.gatewayDeviceId })}</div>}
                    </td>
                    <td>
                      <span className={styles.badge}>{d.source.toUpperCase()}</span>
                      <div className={styles.muted}>{d.sourceDetail}</div>
                    </td>
                    <td>
                      <details>
                        <summary className={styles.muted}>
                          {d.rawSize.toLocaleString(locale)} {t(d.rawSize === 1 ? "admin.dead.byte" : "admin.dead.bytes")}
                        </summary>
                        <pre className={`${styles.raw} ${styles.mono}`}>{readableRaw(d.rawPreview)}</pre>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className={styles.pager}>
            <button className={`${styles.button} ${styles.ghost}`} disabled={!f.before} onClick={() => setF({ ...f, before: null })}>
              {t("admin.dead.newest")}
            </button>
            <button
              className={`${styles.button} ${styles.ghost}`}
              disabled={q.data.items.length < 50}
              onClick={() => setF({ ...f, before: q.data!.items[q.data!.items.length - 1].id })}
            >
              {t("admin.dead.older")}
            </button>
          </div>
        </>
      )}
    </div>
  );
}

/** A refused message as people read it: JSON indented when the preview is whole JSON, else as received. */
export function readableRaw(raw: string): string {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}
