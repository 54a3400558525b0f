"use client";
import { useState } from "react";
import { IntentLink } from "../layout/intent-link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { DEPARTMENTS } from "@/lib/city/datasets";
import type { MessageKey } from "@/lib/i18n/messages";
import { fetchJson } from "@/components/http/fetch-json";
import { useMe } from "./use-me";
import styles from "./header.module.css";

export const departmentName = (id: string, locale: string) => {
  const d = DEPARTMENTS.find((x) => x.id === id);
  return d ? (locale === "en" ? d.nameEn : d.nameZh) : id;
};

type Notes = { incoming: { id: string }[]; expiringSoon: { id: string }[] };
type Quarantined = { gateways: { id: string; reason: string | null }[] };

/** Sign-in state in the header: the user, their department and role, grant notifications, sign-out. */
export function UserMenu() {
  const { t, locale } = useI18n();
  const me = useMe();
  const qc = useQueryClient();
  const role = me.data?.user?.role;
  const decides = role === "dept_admin" || role === "sysadmin";
  const notes = useQuery({
    queryKey: ["grant-notifications"],
    queryFn: () => fetchJson<Notes>("/api/grants/notifications"),
    enabled: decides,
    refetchInterval: 30_000,
  });
  const quarantined = useQuery({
    queryKey: ["quarantined-gateways"],
    queryFn: () => fetchJson<Quarantined>("/api/devices/quarantined"),
    enabled: decides,
    refetchInterval: 30_000,
  });
  if (!me.data) return null;
  if (!me.data.signedIn || !me.data.user) {
    return (
      <IntentLink href="/sign-in" className="nav-link" data-testid="sign-in-link">
        {t("auth.signIn")}
      </IntentLink>
    );
  }
  const u = me.data.user;
  // What needs the admin's action (lib/grants/list-grants.ts grantNotifications), each counted in words.
  const awaiting = notes.data?.incoming.length ?? 0;
  const ending = notes.data?.expiringSoon.length ?? 0;
  const count = awaiting + ending;
  const signOut = async () => {
    await fetch("/api/auth/sign-out", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    qc.clear();
    window.location.href = "/sign-in";
  };
  return (
    <div className={styles.userMenu} data-testid="user-menu" data-role={u.role} data-department={u.departmentId}>
      {decides && count > 0 && (
        <IntentLink href="/admin/grants" className={styles.notifyBadge} title={t("nav.notifications")} data-testid="grant-notifications" data-count={count}>
          {[
            awaiting > 0 ? (awaiting === 1 ? t("nav.requestAwaits") : t("nav.requestsAwait").replace("{n}", String(awaiting))) : null,
            ending > 0 ? (ending === 1 ? t("nav.grantEndsSoon") : t("nav.grantsEndSoon").replace("{n}", String(ending))) : null,
          ]
            .filter(Boolean)
            .join(" · ")}
        </IntentLink>
      )}
      {decides && (quarantined.data?.gateways.length ?? 0) > 0 && (
        <IntentLink
          href="/admin/devices"
          className={styles.notifyBadge}
          title={`${t("nav.gatewaysQuarantined")}: ${quarantined.data!.gateways.map((g) => g.id).join(", ")}`}
          data-testid="gateway-quarantine-notice"
        >
          {t("nav.gatewaysQuarantinedShort")} {quarantined.data!.gateways.length}
        </IntentLink>
      )}
      <span className={styles.userName} title={`${u.email} · ${departmentName(u.departmentId, locale)} · ${t(`role.${u.role}` as MessageKey)}`}>
        {u.name} <span className={styles.roleBadge}>{t(`role.${u.role}` as MessageKey)}</span>
        {u.needsTwoFactor && (
          <IntentLink href="/sign-in" className={styles.needs2fa} data-testid="needs-2fa">
            {" "}
            (2FA)
          </IntentLink>
        )}
      </span>
      <button type="button" className="lang-switch" onClick={() => void signOut()} data-testid="sign-out">
        {t("auth.signOut")}
      </button>
    </div>
  );
}

/** Admin pages the signed-in user's role may open, in one menu so the header stays on one line. */
export function AdminLinks({ link }: { link: (href: string, label: string) => React.ReactNode }) {
  const { t } = useI18n();
  const me = useMe();
  const [open, setOpen] = useState(false);
  const role = me.data?.user?.role;
  if (!role || role === "official") return null;
  const admin = role === "dept_admin" || role === "sysadmin";
  return (
    <div className={styles.adminMenu} onMouseLeave={() => setOpen(false)}>
      <button type="button" className="nav-link" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="admin-menu">
        {t("nav.admin")} ▾
      </button>
      {open && (
        <div className={styles.adminPanel} onClick={() => setOpen(false)}>
          {link("/admin/grants", t("nav.grants"))}
          {link("/admin/rules", t("nav.rules"))}
          {link("/admin/access", t("nav.access"))}
          {admin && link("/admin/devices", t("nav.devices"))}
          {admin && link("/admin/dead-letters", t("nav.deadLetters"))}
        </div>
      )}
    </div>
  );
}
