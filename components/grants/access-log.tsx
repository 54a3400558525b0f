"use client";
import { Fragment, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { fetchJson } from "@/components/http/fetch-json";
import { useMe } from "../auth/use-me";
import { departmentName } from "../auth/user-menu";
import { DATASETS } from "@/lib/city/datasets";
import { datasetName } from "../map/access-text";
import { ROLES } from "@/lib/access/roles";
import type { MessageKey } from "@/lib/i18n/messages";
import { AccountHistory } from "./account-history";
import styles from "../console.module.css";
import { formatCityTime } from "@/lib/i18n/city-time";
import { ACCESS_ACTIONS } from "@/lib/access/record-read";
import { cityInputIso } from "@/lib/i18n/city-time";
import { TableHead } from "@/components/ui/table-head";
import { ChoiceSelect, departmentChoices } from "@/components/ui/choice-select";
import { fill } from "@/lib/i18n/fill";
import { staffOnlyNotice } from "./staff-only";

type Event = {
  id: number; at: string; userId?: string | null; user: string | null; departmentId: string | null; role: string | null; datasetId: string; ownerDepartmentId: string;
  basis: string; grantId: string | null; scope: string; action: string; count: number | null; from: string | null; until: string | null; batchId: string | null; leafIndex: number | null;
};
type Group = { key: string | null; label: string | null; departmentId: string | null; events: number; records: number | null; datasets: number; first: string; last: string };
type User = { id: string; name: string; email: string; departmentId: string; role: string; disabled: boolean; twoFactorEnabled: boolean };

/** The read actions the console records (recordRead), each with a label in both languages. */
const KNOWN_ACTIONS = new Set<string>(ACCESS_ACTIONS);

/** Who read what: access events for the owner's admins and auditors; accounts for sysadmins. */
export function AccessLog() {
  const { t, locale } = useI18n();
  const me = useMe();
  const role = me.data?.user?.role;
  const [dataset, setDataset] = useState("");
  const [department, setDepartment] = useState("");
  const [reader, setReader] = useState("");
  const [user, setUser] = useState("");
  const [grant, setGrant] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [groupBy, setGroupBy] = useState<"" | "reader" | "dataset" | "grant" | "hour">("");
  const [before, setBefore] = useState<number | undefined>(undefined);
  // The filter, shared by the event list, the groups and the CSV export.
  const filter = new URLSearchParams();
  if (dataset) filter.set("dataset", dataset);
  if (department) filter.set("department", department);
  if (reader) filter.set("reader", reader);
  if (user.trim()) filter.set("user", user.trim());
  if (grant.trim()) filter.set("grant", grant.trim());
  const fromIso = cityInputIso(from), toIso = cityInputIso(to);
  if (fromIso) filter.set("from", fromIso);
  if (toIso) filter.set("to", toIso);
  const params = new URLSearchParams(filter);
  params.set("limit", "100");
  if (before) params.set("before", String(before));
  const live = !before && !to;
  const q = useQuery({ queryKey: ["access-events", params.toString()], queryFn: () => fetchJson<{ events: Event[] }>(`/api/access-events?${params}`), enabled: !!role && role !== "official" && !groupBy, refetchInterval: live ? 5_000 : false });
  const groups = useQuery({
    queryKey: ["access-groups", groupBy, filter.toString()],
    queryFn: () => fetchJson<{ groups: Group[] }>(`/api/access-events/groups?${filter}&by=${groupBy}`),
    enabled: !!role && role !== "official" && !!groupBy,
    refetchInterval: live ? 10_000 : false,
  });
  const reset = () => setBefore(undefined);
  const notice = staffOnlyNotice(me.isLoading, role, t);
  if (notice) return notice;
  const events = q.data?.events ?? [];
  const dsName = (id: string) => datasetName(id, locale);
  const groupLabel = (by: string) => ({ reader: t("accesslog.reader"), dataset: t("grants.dataset"), grant: t("accesslog.grantFilter"), hour: t("accesslog.hour") })[by] ?? by;
  const actionLabel = (a: string) => (KNOWN_ACTIONS.has(a) ? t(`accessAction.${a}` as MessageKey) : a);
  return (
    <div className={styles.page} data-testid="access-log">
      <h1>{t("accesslog.title")}</h1>
      <p className={styles.intro}>{t("accesslog.intro")}</p>
      <div className={styles.toolbar}>
        <ChoiceSelect aria-label={t("grants.dataset")} value={dataset} onChange={(v) => { setDataset(v); setBefore(undefined); }} none={{ label: `${t("grants.dataset")}: *` }} choices={DATASETS.map((d) => [d.id, dsName(d.id)])} />
        {role === "auditor" && (
          <ChoiceSelect aria-label={t("grants.owner")} value={department} onChange={(v) => { setDepartment(v); setBefore(undefined); }} none={{ label: `${t("grants.owner")}: *` }} choices={departmentChoices(locale)} />
        )}
        <ChoiceSelect aria-label={t("accesslog.readerDept")} value={reader} onChange={(v) => { setReader(v); setBefore(undefined); }} data-testid="filter-reader" none={{ label: `${t("accesslog.readerDept")}: *` }} choices={departmentChoices(locale)} />
        <input aria-label={t("accesslog.reader")} placeholder={t("accesslog.userFilter")} value={user} onChange={(e) => { setUser(e.target.value); setBefore(undefined); }} data-testid="filter-user" />
        <input aria-label={t("accesslog.grantFilter")} placeholder={t("accesslog.grantFilter")} value={grant} onChange={(e) => { setGrant(e.target.value); setBefore(undefined); }} data-testid="filter-grant" />
      </div>
      <div className={styles.toolbar}>
        <label>
          {t("accesslog.from")} <input type="datetime-local" value={from} onChange={(e) => { setFrom(e.target.value); reset(); }} data-testid="filter-from" />
        </label>
        <label>
          {t("accesslog.to")} <input type="datetime-local" value={to} onChange={(e) => { setTo(e.target.value); reset(); }} data-testid="filter-to" />
        </label>
        <label>
          {t("accesslog.groupBy")}{" "}
          <select value={groupBy} onChange={(e) => { setGroupBy(e.target.value as typeof groupBy); reset(); }} data-testid="group-by">
            <option value="">{t("accesslog.noGrouping")}</option>
            <option value="reader">{t("accesslog.reader")}</option>
            <option value="dataset">{t("grants.dataset")}</option>
            <option value="grant">{t("accesslog.grantFilter")}</option>
            <option value="hour">{t("accesslog.hour")}</option>
          </select>
        </label>
        <a className={styles.button} href={`/api/access-events/export?${filter}`} download data-testid="export-csv">
          {t("accesslog.exportCsv")}
        </a>
      </div>
      {q.error && <p className={styles.error}>{t("admin.error")}{(q.error as Error).message}</p>}
      {groupBy && (
        <table className={styles.table} data-testid="access-groups">
          <TableHead headings={[groupLabel(groupBy), t("accesslog.events"), t("accesslog.records"), t("accesslog.firstLast")]} />
          <tbody>
            {(groups.data?.groups ?? []).map((g) => (
              <tr key={g.key ?? "-"} data-testid="access-group">
                <td>
                  {groupBy === "reader" && (g.label ?? t("accesslog.guest"))}
                  {groupBy === "reader" && g.departmentId && <div className={styles.muted}>{departmentName(g.departmentId, locale)}</div>}
                  {groupBy === "dataset" && dsName(g.key ?? "")}
                  {groupBy === "grant" &&
                    (g.key ? (
                      <button type="button" className={styles.linkButton} onClick={() => { setGrant(g.key!); setGroupBy(""); reset(); }}>
                        {g.key}
                      </button>
                    ) : (
                      t("accesslog.noGrant")
                    ))}
                  {groupBy === "hour" && g.key && formatCityTime(g.key, locale, "minute")}
                </td>
                <td>{g.events.toLocaleString(locale)}</td>
                <td>{g.records === null ? "—" : g.records.toLocaleString(locale)}</td>
                <td className={styles.small}>
                  {formatCityTime(g.first, locale)} – {formatCityTime(g.last, locale, "time")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!groupBy && (
      <table className={styles.table}>
        <TableHead headings={[t("grants.when"), t("accesslog.reader"), t("grants.dataset"), t("accesslog.basis"), t("accesslog.records"), t("accesslog.range"), t("accesslog.batch")]} />
        <tbody>
          {events.map((e) => (
            <tr key={e.id} data-testid="access-event" data-dataset={e.datasetId} data-basis={e.basis} data-grant={e.grantId ?? ""}>
              <td className={styles.small}>{formatCityTime(e.at, locale)}</td>
              <td className={styles.small}>
                {e.userId?.startsWith("apikey:")
                  ? fill(t("apikeys.reader"), { id: e.userId.slice(7) })
                  : e.userId?.startsWith("oauth:")
                    ? fill(t("apikeys.oauthReader"), { id: e.userId.slice(6) })
                    : (e.user ?? t("accesslog.guest"))}
                {e.departmentId && <div className={styles.muted}>{departmentName(e.departmentId, locale)} · {e.role ? t(`role.${e.role}` as MessageKey) : ""}</div>}
              </td>
              <td>
                {dsName(e.datasetId)}
                <div className={`${styles.small} ${styles.muted}`} title={e.action}>{actionLabel(e.action)}</div>
              </td>
              <td className={styles.small}>
                {t(`access.${e.basis}` as MessageKey)} · {t(`scope.${e.scope}` as MessageKey)}
                {e.grantId && (
                  <div className={styles.mono}>
                    <a href={`/admin/grants?grant=${encodeURIComponent(e.grantId)}`} data-testid={`grant-page-${e.grantId}`}>
                      {e.grantId}
                    </a>{" "}
                    <button type="button" className={styles.linkButton} onClick={() => { setGrant(e.grantId!); reset(); }} title={t("accesslog.filterByGrant")} aria-label={t("accesslog.filterByGrant")}>
                      ⌕
                    </button>
                  </div>
                )}
              </td>
              <td>{e.count ?? "—"}</td>
              <td className={styles.small}>{e.from ? `${formatCityTime(e.from, locale, "time")} – ${e.until ? formatCityTime(e.until, locale, "time") : ""}` : "—"}</td>
              <td className={styles.mono}>{e.leafIndex !== null ? <a href={`/audit/entries/${e.leafIndex}`}>{e.leafIndex}</a> : t("accesslog.pending")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      )}
      {!groupBy && events.length === 100 && (
        <div className={styles.pager}>
          <button type="button" className={styles.button} onClick={() => setBefore(events[events.length - 1].id)}>
            {t("accesslog.older")}
          </button>
        </div>
      )}
      {role === "sysadmin" && <Users />}
    </div>
  );
}

function Users() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const myId = useMe().data?.user?.id;
  const [historyOf, setHistoryOf] = useState<string | null>(null);
  const q = useQuery({ queryKey: ["users"], queryFn: () => fetchJson<{ users: User[] }>("/api/auth/users") });
  const patch = useMutation({
    mutationFn: (p: { id: string; change: Record<string, unknown> }) => fetchJson(`/api/auth/users/${p.id}`, { method: "PATCH", json: p.change }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["users"] });
      void qc.invalidateQueries({ queryKey: ["account-events"] });
    },
  });
  return (
    <section className={styles.panel} data-testid="users-admin">
      <h2>{t("users.title")}</h2>
      {patch.error && <p className={styles.error}>{(patch.error as Error).message}</p>}
      <table className={styles.table}>
        <TableHead headings={[t("auth.email"), t("admin.department"), t("users.role"), t("users.twoFactor"), t("admin.devices.actions")]} />
        <tbody>
          {(q.data?.users ?? []).map((u) => (
            <AccountRow key={u.id} u={u} own={u.id === myId} historyOpen={historyOf === u.id} onHistory={() => setHistoryOf(historyOf === u.id ? null : u.id)} patch={(change) => patch.mutate({ id: u.id, change })} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * One account: department and role are drafted in the row and take effect only on Save,
 * after a confirmation that says what changes (each change is ledgered as account.v1);
 * disabling and enabling are confirmed too.
 */
function AccountRow(props: { u: User; own: boolean; historyOpen: boolean; onHistory: () => void; patch: (change: Record<string, unknown>) => void }) {
  const { u, own } = props;
  const { t, locale } = useI18n();
  const [dept, setDept] = useState(u.departmentId);
  const [role, setRole] = useState(u.role);
  // A saved change (or another sysadmin's) comes back in the list: the draft follows it.
  const [seen, setSeen] = useState({ d: u.departmentId, r: u.role });
  if (seen.d !== u.departmentId || seen.r !== u.role) {
    setSeen({ d: u.departmentId, r: u.role });
    setDept(u.departmentId);
    setRole(u.role);
  }
  const changed = dept !== u.departmentId || role !== u.role;
  const save = () => {
    const parts = [
      ...(dept !== u.departmentId ? [`${t("admin.department")}: ${departmentName(u.departmentId, locale)} → ${departmentName(dept, locale)}`] : []),
      ...(role !== u.role ? [`${t("users.role")}: ${t(`role.${u.role}` as MessageKey)} → ${t(`role.${role}` as MessageKey)}`] : []),
    ];
    if (!window.confirm(t("users.saveConfirm").replace("{account}", u.email).replace("{changes}", parts.join("\n")))) return;
    props.patch({ ...(dept !== u.departmentId ? { departmentId: dept } : {}), ...(role !== u.role ? { role } : {}) });
  };
  const toggle = () => {
    if (!window.confirm(t(u.disabled ? "users.enableConfirm" : "users.disableConfirm").replace("{account}", u.email))) return;
    props.patch({ disabled: !u.disabled });
  };
  return (
    <Fragment>
      <tr data-testid="account-row" data-email={u.email}>
        <td className={styles.small}>
          {u.name}
          <div className={styles.muted}>{u.email}</div>
          {own && <div className={styles.muted} data-testid="own-account">{t("users.own")}</div>}
        </td>
        <td>
          <ChoiceSelect aria-label={t("admin.department")} disabled={own} value={dept} onChange={setDept} choices={departmentChoices(locale)} />
        </td>
        <td>
          <ChoiceSelect aria-label={t("users.role")} disabled={own} value={role} onChange={setRole} choices={ROLES.map((r) => [r, t(`role.${r}` as MessageKey)])} />
          {changed && (
            <div className={styles.inline}>
              <button type="button" className={styles.button} onClick={save} data-testid="account-save">
                {t("users.save")}
              </button>
              <button type="button" className={`${styles.button} ${styles.ghost}`} onClick={() => (setDept(u.departmentId), setRole(u.role))}>
                {t("admin.cancel")}
              </button>
            </div>
          )}
        </td>
        <td>{u.twoFactorEnabled ? t("common.yes") : t("common.no")}</td>
        <td>
          <button type="button" className={`${styles.button} ${u.disabled ? "" : styles.danger}`} disabled={own && !u.disabled} onClick={toggle}>
            {u.disabled ? t("users.enable") : t("users.disable")}
          </button>
          {u.disabled && <span className={`${styles.badge} ${styles.revoked}`}> {t("users.disabled")}</span>}{" "}
          <button type="button" className={`${styles.button} ${styles.ghost}`} aria-expanded={props.historyOpen} onClick={props.onHistory} data-testid={`account-history-button-${u.id}`}>
            {t("users.history")}
          </button>
        </td>
      </tr>
      {props.historyOpen && (
        <tr>
          <td colSpan={5}>
            <AccountHistory userId={u.id} label={u.email} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}
