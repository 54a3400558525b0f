"use client";
// A report's public page: category, status history, the location coarsened (no contact
// details, no photos), and its ledger proof (the public receipt, verifiable on /verify).
import { useQuery } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { fill } from "@/lib/i18n/fill";
import type { MessageKey } from "@/lib/i18n/messages";
import { fetchReport } from "./citizen-api";
import { ReportHistory } from "./report-history";
import { ReportReceiptCard } from "./report-receipt";
import styles from "./citizen.module.css";

export function PublicReportView({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const r = useQuery({ queryKey: ["citizen-report", id], queryFn: () => fetchReport(id) });
  if (r.error) return <div className={styles.page}><p className={styles.error}>{r.error.message}</p></div>;
  if (!r.data) return <div className={styles.page}>…</div>;
  const d = r.data;
  return (
    <div className={styles.page} data-testid="public-report">
      <h1>{fill(t("report.publicTitle"), { id: d.id.slice(0, 8) })}</h1>
      <dl className={styles.kv}>
        <dt>{t("report.category")}</dt>
        <dd>{locale === "zh-CN" ? d.serviceNameZh : d.serviceNameEn}</dd>
        <dt>{t("report.history")}</dt>
        <dd className={styles.status} data-testid="public-status">{t(`report.status.${d.status}` as MessageKey)}</dd>
        <dt>{t("report.coarse")}</dt>
        <dd data-testid="public-location">{d.location[1].toFixed(3)}, {d.location[0].toFixed(3)}</dd>
        <dt>{t("report.description")}</dt>
        <dd>{d.description}</dd>
      </dl>
      <ReportHistory report={d} />
      <h2>{t("report.proof")}</h2>
      <ReportReceiptCard id={d.id} />
    </div>
  );
}
