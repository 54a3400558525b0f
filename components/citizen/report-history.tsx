"use client";
import { useI18n } from "../i18n/i18n-provider";
import type { MessageKey } from "@/lib/i18n/messages";
import type { PublicReport } from "@/lib/citizen/report-rows";
import { DEPARTMENTS } from "@/lib/city/datasets";
import { formatCityTime } from "@/lib/i18n/city-time";
import styles from "./citizen.module.css";

/** A report's status history: who (department, role) changed it, when, why, and its ledger leaf. */
export function ReportHistory({ report }: { report: PublicReport }) {
  const { t, locale } = useI18n();
  const dept = (id: string) => {
    const d = DEPARTMENTS.find((x) => x.id === id);
    return d ? (locale === "zh-CN" ? d.nameZh : d.nameEn) : id;
  };
  return (
    <>
      {report.duplicateOf && (
        <p data-testid="report-merged-into">
          {t("report.mergedInto")} <a href={`/report/${report.duplicateOf}`}>{report.duplicateOf.slice(0, 8)}</a>
        </p>
      )}
      <ol className={styles.history} data-testid="report-history">
        {report.events.map((e) => (
          <li key={e.leafIndex} data-status={e.status}>
            <span className={styles.status}>{t(`report.status.${e.status}` as MessageKey)}</span> · {formatCityTime(e.at, locale)}
            <div className={styles.small}>
              {e.role === "reporter" ? t("report.role.reporter") : `${dept(e.department)} · ${t(`report.role.${e.role}` as MessageKey)}`} · {t("report.receiptLeaf")} {e.leafIndex}
            </div>
            {e.note && <div>{e.note}</div>}
          </li>
        ))}
      </ol>
    </>
  );
}
