"use client";
import { useQuery } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { fetchJson } from "@/components/http/fetch-json";
import { departmentName } from "../auth/user-menu";
import type { MessageKey } from "@/lib/i18n/messages";
import styles from "../console.module.css";
import { formatCityTime } from "@/lib/i18n/city-time";
import { TableHead } from "@/components/ui/table-head";

type AccountEvent = {
  at: string;
  action: "create" | "change" | "delete" | "baseline";
  by: string;
  byName: string;
  byDepartment: string | null;
  role: string;
  departmentId: string;
  disabled: boolean;
  changed: ("role" | "departmentId" | "disabled")[];
  from: Record<string, unknown> | null;
  leafIndex: number;
};

/** One account's history from its account.v1 ledger entries: when, who (and their department), what changed, the leaf. */
export function AccountHistory({ userId, label }: { userId: string; label: string }) {
  const { t, locale } = useI18n();
  const q = useQuery({ queryKey: ["account-events", userId], queryFn: () => fetchJson<{ events: AccountEvent[] }>(`/api/auth/users/${encodeURIComponent(userId)}/events`) });
  const value = (field: string, v: unknown) =>
    field === "role" ? t(`role.${String(v)}` as MessageKey) : field === "departmentId" ? departmentName(String(v), locale) : t(v ? "users.status.disabled" : "users.status.enabled");
  const events = q.data?.events ?? [];
  return (
    <div data-testid={`account-history-${userId}`}>
      <h3 className={styles.small}>
        {t("users.historyOf")} {label}
      </h3>
      {q.error && <p className={styles.error}>{t("admin.error")}{(q.error as Error).message}</p>}
      {q.data && events.length === 0 && <p className={styles.muted}>{t("users.noHistory")}</p>}
      {events.length > 0 && (
        <table className={styles.table}>
          <TableHead headings={[t("grants.when"), t("grants.action"), t("grants.by"), t("users.changed"), t("grants.leaf")]} />
          <tbody>
            {events.map((e) => (
              <tr key={e.leafIndex} data-testid="account-event" data-action={e.action}>
                <td className={styles.small}>{formatCityTime(e.at, locale)}</td>
                <td>{t(`users.action.${e.action}` as MessageKey)}</td>
                <td className={styles.small}>
                  {e.byName}
                  {e.byDepartment && <div className={styles.muted}>{departmentName(e.byDepartment, locale)}</div>}
                </td>
                <td className={styles.small}>
                  {e.action === "change"
                    ? e.changed.map((f) => (
                        <div key={f} data-field={f}>
                          {t(`users.field.${f}` as MessageKey)}: {value(f, e.from?.[f])} → {value(f, f === "departmentId" ? e.departmentId : f === "role" ? e.role : e.disabled)}
                        </div>
                      ))
                    : `${departmentName(e.departmentId, locale)} · ${t(`role.${e.role}` as MessageKey)} · ${t(e.disabled ? "users.status.disabled" : "users.status.enabled")}`}
                </td>
                <td className={styles.mono}>
                  <a href={`/audit/entries/${e.leafIndex}`}>{e.leafIndex}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
