"use client";
// The reporter key of a triaged report: its mark if a department made one (status, reason,
// the holder's appeal, the decision), and the steps the viewer may take on it
// (lib/citizen/key-flags.ts): any official of the department marks it abusive, the flagging
// department's admin lifts or upholds the mark.
import { Fragment, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { useMe } from "../auth/use-me";
import { fetchJson } from "../http/fetch-json";
import { departmentName } from "../auth/user-menu";
import type { MessageKey } from "@/lib/i18n/messages";
import { fill } from "@/lib/i18n/fill";
import type { TriageReport } from "@/lib/citizen/list-triage-queue";
import { useBusyAction } from "../ui/use-busy-action";
import styles from "./citizen.module.css";

type Step = "flag" | "lift" | "uphold";

export function KeyMark({ report: r }: { report: TriageReport }) {
  const { t, locale } = useI18n();
  const user = useMe().data?.user;
  const qc = useQueryClient();
  const [note, setNote] = useState("");
  const { busy, error, setError, run } = useBusyAction();
  if (r.reporter === "unsigned") return null;
  const f = r.keyFlag;
  const decides = !!f && !!user && (user.role === "sysadmin" || (user.role === "dept_admin" && user.departmentId === f.department));
  const steps: Step[] = !f || f.status === "lifted" ? ["flag"] : decides ? (f.status === "appealed" ? ["uphold", "lift"] : ["lift"]) : [];
  async function act(step: Step) {
    if (!note.trim()) return setError(t(step === "flag" ? "keyMark.needReason" : "triage.needNote"));
    await run(async () => {
      await fetchJson(`/api/citizen/reporters/${encodeURIComponent(r.reporter)}/mark`, { method: "POST", json: { action: step, note: note.trim() } });
      setNote("");
      await qc.invalidateQueries({ queryKey: ["citizen-triage"] });
    });
  }
  const abusive = !!f && f.status !== "lifted";
  return (
    <details open={abusive} onClick={(e) => e.stopPropagation()} data-testid="key-mark" data-status={f?.status ?? "none"}>
      <summary className={abusive ? styles.error : undefined}>
        {abusive ? fill(t("keyMark.marked"), { department: departmentName(f.department, locale), status: t(`keyMark.status.${f.status}` as MessageKey) }) : t("keyMark.title")}
      </summary>
      {f && (
        <dl className={styles.kv}>
          <dt>{t("keyMark.statusLabel")}</dt>
          <dd data-testid="key-mark-status">{t(`keyMark.status.${f.status}` as MessageKey)} · {new Date(f.updatedAt).toLocaleString(locale)}</dd>
          <KeyFlagTexts flag={f} testId="key-mark" />
        </dl>
      )}
      {steps.length > 0 && (
        <>
          <textarea rows={2} value={note} onChange={(e) => setNote(e.target.value)} placeholder={t(steps[0] === "flag" ? "keyMark.reasonPlaceholder" : "triage.notePlaceholder")} data-testid="key-mark-note" />
          <div className={styles.row}>
            {steps.map((s) => (
              <button key={s} type="button" className={styles.cat} disabled={busy} onClick={() => void act(s)} data-testid={`key-mark-${s}`}>
                {t(`keyMark.action.${s}` as MessageKey)}
              </button>
            ))}
          </div>
        </>
      )}
      {error && <p className={styles.error} data-testid="key-mark-error">{error}</p>}
    </details>
  );
}

/** A mark's texts as definition-list rows: the reason (when the viewer may read it), the appeal, the decision. */
export function KeyFlagTexts({ flag, testId }: { flag: { reason: string | null; appeal: string | null; decisionNote: string | null }; testId: string }) {
  const { t } = useI18n();
  const rows: [MessageKey, string | null, string][] = [
    ["keyMark.reason", flag.reason, "reason"],
    ["keyMark.appeal", flag.appeal, "appeal"],
    ["keyMark.decision", flag.decisionNote, "decision"],
  ];
  return (
    <>
      {rows.map(([label, text, id]) =>
        text === null ? null : (
          <Fragment key={id}>
            <dt>{t(label)}</dt>
            <dd data-testid={`${testId}-${id}`}>{text}</dd>
          </Fragment>
        ),
      )}
    </>
  );
}
