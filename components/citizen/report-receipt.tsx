"use client";
// A report's receipt: its number, department and ledger leaf; once a quorum of witnesses has
// cosigned a checkpoint holding the leaf, a downloadable receipt (with the signed content this
// browser kept) that /verify checks.
import { useQuery } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { DEPARTMENTS } from "@/lib/city/datasets";
import { fetchReceipt, fetchReport } from "./citizen-api";
import { signedCopy } from "./reporter-key";
import styles from "./citizen.module.css";

export function ReportReceiptCard({ id }: { id: string }) {
  const { t, locale } = useI18n();
  const report = useQuery({ queryKey: ["citizen-report", id], queryFn: () => fetchReport(id) });
  const receipt = useQuery({
    queryKey: ["citizen-receipt", id],
    queryFn: async () => {
      const r = await fetchReceipt(id);
      if (!r.ready) return r;
      const copy = await signedCopy(id).catch(() => undefined);
      const { ready: _ready, ...file } = r;
      return { ...r, file: copy ? { ...file, content: copy.content, signature: copy.signature } : file };
    },
    refetchInterval: (q) => (q.state.data?.ready ? false : 1000),
  });
  const dept = DEPARTMENTS.find((d) => d.id === report.data?.department);
  const href = receipt.data?.ready ? `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(receipt.data.file, null, 2))}` : null;
  return (
    <section className={styles.card} data-testid="report-receipt">
      <h2>{t("report.receiptTitle")}</h2>
      <dl className={styles.kv}>
        <dt>{t("report.receiptId")}</dt>
        <dd data-testid="receipt-id">{id}</dd>
        <dt>{t("report.receiptDepartment")}</dt>
        <dd>{dept ? (locale === "zh-CN" ? dept.nameZh : dept.nameEn) : "…"}</dd>
        <dt>{t("report.receiptLeaf")}</dt>
        <dd data-testid="receipt-leaf">{report.data?.leafIndex ?? "…"}</dd>
      </dl>
      {href ? (
        <div className={styles.row}>
          <a href={href} download={`report-${id}.receipt.json`} data-testid="receipt-download">{t("report.receiptDownload")}</a>
          <a href="/verify">{t("report.receiptVerify")}</a>
        </div>
      ) : (
        <p className={styles.small} data-testid="receipt-waiting">{t("report.receiptWaiting")}</p>
      )}
      <a href={`/report/${id}`}>{t("report.viewPublic")}</a>
    </section>
  );
}
