"use client";
// "My reports": every report of this browser's key, with its status history; the key's
// recovery file (export, import).
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { fetchMine, postAppeal } from "./citizen-api";
import type { KeyFlag } from "@/lib/citizen/key-flags";
import { departmentName } from "../auth/user-menu";
import { importRecoveryFile, recoveryFile, reporterKey } from "./reporter-key";
import { ReportHistory } from "./report-history";
import type { MessageKey } from "@/lib/i18n/messages";
import { useBusyAction } from "../ui/use-busy-action";
import { KeyFlagTexts } from "./key-mark";
import styles from "./citizen.module.css";
import { formatCityTime } from "@/lib/i18n/city-time";

export function MyReports() {
  const { t, locale } = useI18n();
  const qc = useQueryClient();
  const [msg, setMsg] = useState<string | null>(null);
  const mine = useQuery({ queryKey: ["citizen-mine"], queryFn: async () => fetchMine(await reporterKey()) });

  async function exportKey() {
    const text = await recoveryFile();
    const a = document.createElement("a");
    a.href = `data:application/json;charset=utf-8,${encodeURIComponent(text)}`;
    a.download = "reporter-key.recovery.json";
    a.click();
  }
  async function importKey(f: File) {
    try {
      await importRecoveryFile(await f.text());
      setMsg(t("report.keyImported"));
      await qc.invalidateQueries({ queryKey: ["citizen-mine"] });
    } catch {
      setMsg(t("report.keyBad"));
    }
  }

  return (
    <div className={styles.page} data-testid="my-reports">
      <h1>{t("report.mine")}</h1>
      {mine.data && <p className={styles.small} data-testid="mine-reporter">{t("report.key")}: {mine.data.reporter}</p>}
      <div className={styles.row}>
        <button type="button" className={styles.cat} onClick={() => void exportKey()} data-testid="key-export">{t("report.keyExport")}</button>
        <label className={styles.cat}>
          {t("report.keyImport")}
          <input type="file" accept="application/json,.json" hidden data-testid="key-import" onChange={(e) => e.target.files?.[0] && void importKey(e.target.files[0])} />
        </label>
      </div>
      {msg && <p className={styles.small}>{msg}</p>}
      {mine.error && <p className={styles.error}>{String(mine.error.message)}</p>}
      {mine.data?.flag && <KeyFlagNotice flag={mine.data.flag} reporter={mine.data.reporter} />}
      {mine.data && (
        <section className={styles.card} data-testid="credit">
          <h2>{t("credit.balance")}</h2>
          <div className={styles.balance} data-testid="credit-balance" data-balance={mine.data.credit.balance}>
            {mine.data.credit.balance} <small>{t("credit.pointsUnit")}</small>
          </div>
          <p className={styles.small}>{t("credit.about")}</p>
          {mine.data.credit.entries.length > 0 && (
            <ol className={styles.history}>
              {mine.data.credit.entries.map((c) => (
                <li key={c.leafIndex} data-testid="credit-entry" data-reason={c.reason} data-amount={c.amount}>
                  <span className={styles.status}>{c.amount > 0 ? `+${c.amount}` : c.amount}</span> · {t(`credit.reason.${c.reason}` as MessageKey)} ·{" "}
                  <a href={`/report/${c.report}`}>{c.report.slice(0, 8)}</a> · {formatCityTime(c.at, locale)} ·{" "}
                  <a href={`/audit/entries/${c.leafIndex}`} data-testid="credit-proof">
                    {t("credit.proof")} {c.leafIndex}
                  </a>
                </li>
              ))}
            </ol>
          )}
          <a href="/report/leaderboard">{t("credit.leaderboard")}</a>
        </section>
      )}
      {mine.data?.reports.length === 0 && <p>{t("report.mineEmpty")}</p>}
      {mine.data?.reports.map((r) => (
        <section key={r.id} className={styles.card} data-testid="mine-report" data-id={r.id}>
          <a href={`/report/${r.id}`}>
            <strong>{locale === "zh-CN" ? r.serviceNameZh : r.serviceNameEn}</strong> · {formatCityTime(r.createdAt, locale)}
          </a>
          <div className={styles.small}>{r.description}</div>
          <ReportHistory report={r} />
        </section>
      ))}
      <a href="/report">{t("report.newReport")}</a>
    </div>
  );
}

/** A department's mark on this key: why, where it stands, and (while it is only marked) the appeal form. */
function KeyFlagNotice({ flag, reporter }: { flag: KeyFlag; reporter: string }) {
  const { t, locale } = useI18n();
  const qc = useQueryClient();
  const [text, setText] = useState("");
  const { busy, error, setError, run } = useBusyAction();
  if (flag.status === "lifted") return <p className={styles.small} data-testid="key-flag" data-status="lifted">{t("keyMark.mineLifted")}</p>;
  async function appeal() {
    if (!text.trim()) return setError(t("keyMark.needReason"));
    await run(async () => {
      await postAppeal(await reporterKey(), reporter, text.trim());
      setText("");
      await qc.invalidateQueries({ queryKey: ["citizen-mine"] });
    });
  }
  return (
    <section className={styles.card} data-testid="key-flag" data-status={flag.status}>
      <p className={styles.error}>{t("keyMark.mine")}</p>
      <dl className={styles.kv}>
        <dt>{t("keyMark.statusLabel")}</dt>
        <dd data-testid="key-flag-status">{departmentName(flag.department, locale)} · {t(`keyMark.status.${flag.status}` as MessageKey)} · {new Date(flag.updatedAt).toLocaleString(locale)}</dd>
        <KeyFlagTexts flag={flag} testId="key-flag" />
      </dl>
      {flag.status === "flagged" && (
        <>
          <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} placeholder={t("keyMark.mineAppeal")} data-testid="appeal-text" />
          <button type="button" className={styles.primary} disabled={busy} onClick={() => void appeal()} data-testid="appeal-send">
            {t("keyMark.mineSend")}
          </button>
        </>
      )}
      {error && <p className={styles.error} data-testid="appeal-error">{error}</p>}
    </section>
  );
}
