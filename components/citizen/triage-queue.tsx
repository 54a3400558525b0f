"use client";
// A department's triage queue (officials and admins of the owning department; a sysadmin picks
// the department): its reports on a map and in a list, newest first, filtered by status, with
// the actions the report's status allows (lib/citizen/change-report-status.ts).
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { useMe } from "../auth/use-me";
import { fetchJson } from "../http/fetch-json";
import { departmentName } from "../auth/user-menu";
import { DEPARTMENTS } from "@/lib/city/datasets";
import type { MessageKey } from "@/lib/i18n/messages";
import { fill } from "@/lib/i18n/fill";
import type { TriageReport } from "@/lib/citizen/list-triage-queue";
import { TriageMapLoader } from "./triage-map-loader";
import { ReportHistory } from "./report-history";
import { KeyMark } from "./key-mark";
import { useBusyAction } from "../ui/use-busy-action";
import styles from "./citizen.module.css";
import { formatCityTime } from "@/lib/i18n/city-time";

const FILTERS = ["open", "submitted", "assigned", "confirmed", "resolved", "rejected", "merged", "all"] as const;
type Filter = (typeof FILTERS)[number];
const OPEN = ["submitted", "assigned", "confirmed"];
type Action = "assign" | "confirm" | "reject" | "resolve" | "merge";
/** Which actions a report's status allows (the same table as lib/citizen/change-report-status.ts). */
const ALLOWED: Record<Action, string[]> = { assign: ["submitted"], confirm: ["submitted", "assigned"], reject: ["submitted", "assigned", "confirmed"], resolve: ["assigned", "confirmed"], merge: [] };
const MERGE_FROM = ["submitted", "assigned"];

export function TriageQueue() {
  const { t, locale } = useI18n();
  const me = useMe();
  const user = me.data?.user;
  const [picked, setPicked] = useState<string | null>(null);
  const [filter, setFilter] = useState<Filter>("open");
  const [selected, setSelected] = useState<string | null>(null);
  const department = picked ?? user?.departmentId ?? null;
  const allowed = !!user && ["official", "dept_admin", "sysadmin"].includes(user.role);
  const queue = useQuery({
    queryKey: ["citizen-triage", department],
    queryFn: () => fetchJson<TriageReport[]>(`/api/citizen/triage?status=all&department=${encodeURIComponent(department!)}`),
    enabled: allowed && !!department,
    refetchInterval: 30_000,
  });
  if (me.data && !allowed) return <div className={styles.page}><h1>{t("triage.title")}</h1><p>{t("triage.signIn")}</p></div>;
  const shown = (queue.data ?? []).filter((r) => (filter === "all" ? true : filter === "open" ? OPEN.includes(r.status) : r.status === filter));
  return (
    <div className={styles.wide} data-testid="triage">
      <h1>{t("triage.title")}</h1>
      <div className={styles.row}>
        {user?.role === "sysadmin" ? (
          <label className={styles.row}>
            {t("triage.department")}
            <select value={department ?? ""} onChange={(e) => setPicked(e.target.value)} data-testid="triage-department">
              {DEPARTMENTS.map((d) => <option key={d.id} value={d.id}>{departmentName(d.id, locale)}</option>)}
            </select>
          </label>
        ) : (
          department && <span data-testid="triage-department-name">{departmentName(department, locale)}</span>
        )}
        <label className={styles.row}>
          {t("triage.filter")}
          <select value={filter} onChange={(e) => setFilter(e.target.value as Filter)} data-testid="triage-filter">
            {FILTERS.map((f) => <option key={f} value={f}>{t(`triage.filter.${f}` as MessageKey)}</option>)}
          </select>
        </label>
        <span className={styles.small} data-testid="triage-count">{shown.length}</span>
      </div>
      <TriageMapLoader reports={shown} selected={selected} onSelect={setSelected} />
      {queue.error && <p className={styles.error}>{queue.error.message}</p>}
      {queue.data && shown.length === 0 && <p data-testid="triage-empty">{t("triage.empty")}</p>}
      {shown.map((r) => (
        <TriageCard key={r.id} report={r} selected={r.id === selected} onSelect={() => setSelected(r.id)} />
      ))}
    </div>
  );
}

function TriageCard({ report: r, selected, onSelect }: { report: TriageReport; selected: boolean; onSelect: () => void }) {
  const { t, locale } = useI18n();
  const qc = useQueryClient();
  const [note, setNote] = useState("");
  const { busy, error, setError, run } = useBusyAction();
  async function act(action: Action, into?: string) {
    if ((action === "reject" || action === "resolve") && !note.trim()) {
      setError(t(action === "reject" ? "triage.needReason" : "triage.needNote"));
      return;
    }
    await run(async () => {
      await fetchJson(`/api/citizen/reports/${encodeURIComponent(r.id)}/status`, { method: "POST", json: { action, ...(note.trim() ? { note: note.trim() } : {}), ...(into ? { into } : {}) } });
      setNote("");
      await qc.invalidateQueries({ queryKey: ["citizen-triage"] });
    });
  }
  const actions = (Object.keys(ALLOWED) as Action[]).filter((a) => ALLOWED[a].includes(r.status));
  return (
    <section className={selected ? `${styles.card} ${styles.selected}` : styles.card} data-testid="triage-report" data-id={r.id} data-status={r.status} onClick={onSelect}>
      <div className={styles.row}>
        <strong>{locale === "zh-CN" ? r.serviceNameZh : r.serviceNameEn}</strong>
        <span className={styles.status} data-testid="triage-status">{t(`report.status.${r.status}` as MessageKey)}</span>
        <span className={styles.small}>{formatCityTime(r.createdAt, locale)}</span>
      </div>
      <div>{r.description}</div>
      <dl className={styles.kv}>
        <dt>{t("triage.point")}</dt>
        <dd>{r.exact[1].toFixed(5)}, {r.exact[0].toFixed(5)}</dd>
        <dt>{t("triage.reporter")}</dt>
        <dd>{r.reporter}</dd>
        {r.photos.length > 0 && (
          <>
            <dt>{t("triage.photos")}</dt>
            <dd>{r.photos.length}</dd>
          </>
        )}
        {r.contact && (
          <>
            <dt>{t("triage.contact")}</dt>
            <dd data-testid="triage-contact">{[r.contact.name, r.contact.email, r.contact.phone].filter(Boolean).join(" · ")}</dd>
          </>
        )}
      </dl>
      {r.photoReuse.length > 0 && (
        <ul className={styles.history} data-testid="triage-photo-reuse">
          {r.photoReuse.map((p) => (
            <li key={p.photo} className={p.sameReporter ? undefined : styles.error} data-testid="triage-photo-reused" data-report={p.report} data-same={p.sameReporter}>
              {t("triage.photoReused")} <a href={`/report/${p.report}`}>{p.report.slice(0, 8)}</a> ({formatCityTime(p.createdAt, locale)}) · {t(p.sameReporter ? "triage.photoSameReporter" : "triage.photoOtherReporter")}
            </li>
          ))}
        </ul>
      )}
      {r.duplicates.length > 0 && (
        <div data-testid="triage-duplicates">
          <strong>{t("triage.duplicates")}</strong>
          <ul className={styles.history}>
            {r.duplicates.map((d) => (
              <li key={d.id} data-testid="triage-duplicate" data-id={d.id}>
                <a href={`/report/${d.id}`}>{d.id.slice(0, 8)}</a> · {t(`report.status.${d.status}` as MessageKey)} · {fill(t("triage.duplicateApart"), { m: d.distanceM, h: d.hoursApart })}
                {MERGE_FROM.includes(r.status) && (
                  <button type="button" className={styles.cat} disabled={busy} onClick={(e) => { e.stopPropagation(); void act("merge", d.id); }} data-testid="triage-merge">
                    {t("triage.action.merge")}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      <KeyMark report={r} />
      <details>
        <summary>{t("report.history")}</summary>
        <ReportHistory report={r} />
      </details>
      {actions.length > 0 && (
        <>
          {(actions.includes("reject") || actions.includes("resolve")) && (
            <textarea rows={2} value={note} onChange={(e) => setNote(e.target.value)} placeholder={t("triage.notePlaceholder")} data-testid="triage-note" />
          )}
          <div className={styles.row}>
            {actions.map((a) => (
              <button key={a} type="button" className={styles.cat} disabled={busy} onClick={(e) => { e.stopPropagation(); void act(a); }} data-testid={`triage-${a}`}>
                {t(`triage.action.${a}` as MessageKey)}
              </button>
            ))}
            <a href={`/report/${r.id}`}>{t("report.viewPublic")}</a>
          </div>
        </>
      )}
      {error && <p className={styles.error} data-testid="triage-error">{error}</p>}
    </section>
  );
}
