"use client";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { fetchJson } from "@/components/http/fetch-json";
import type { DatasetListItem } from "@/lib/access/list-datasets";
import type { MessageKey } from "@/lib/i18n/messages";
import styles from "../auth/header.module.css";
import { formatCityTime } from "@/lib/i18n/city-time";
import { fill } from "@/lib/i18n/fill";

/**
 * What the viewer may see, per dataset, and why: own department, public, or a grant (its
 * scope and end), or hidden with the reason (no grant, revoked, expired, rejected, sign in).
 * Shown in the header so the map says why a layer is partial or hidden.
 */
export function DataAccessMenu() {
  const { t, locale } = useI18n();
  const [open, setOpen] = useState(false);
  const q = useQuery({ queryKey: ["datasets"], queryFn: () => fetchJson<{ datasets: DatasetListItem[] }>("/api/datasets"), refetchInterval: 15_000 });
  const list = q.data?.datasets ?? [];
  const limited = list.filter((d) => !d.readable || (d.access && d.access.scope !== "raw")).length;
  return (
    <div className={styles.accessMenu}>
      <button type="button" className="lang-switch" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="data-access-button">
        {t("access.menu")}
        {limited > 0 && (
          <span className={styles.accessCount} title={fill(t("access.limitedCount"), { n: limited })} aria-label={fill(t("access.limitedCount"), { n: limited })}>
            {limited}
          </span>
        )}
      </button>
      {open && (
        <div className={styles.accessPanel} data-testid="data-access-menu">
          <div className={styles.accessTitle}>{t("access.menuTitle")}</div>
          {list.map((d) => (
            <div
              key={d.id}
              className={styles.accessRow}
              data-testid={`access-${d.id}`}
              data-readable={d.readable}
              data-basis={d.access?.basis ?? ""}
              data-scope={d.access?.scope ?? ""}
              data-denied={d.denied?.code ?? ""}
            >
              <span className={d.readable ? `${styles.accessDot} ${styles.on}` : styles.accessDot} />
              <span className={styles.accessName}>{locale === "en" ? d.nameEn : d.nameZh}</span>
              <span className={styles.accessWhy} title={d.denied?.message ?? d.access?.reason ?? ""}>
                {d.access
                  ? `${t(`access.${d.access.basis}` as MessageKey)} · ${t(`scope.${d.access.scope}` as MessageKey)}${d.access.validUntil ? ` · ${t("access.until")} ${formatCityTime(d.access.validUntil, locale, "minute")}` : ""}`
                  : `${t("access.hidden")}: ${t(`access.reason.${d.denied?.code ?? "no_grant"}` as MessageKey)}${d.denied?.at ? ` (${formatCityTime(d.denied.at, locale, "minute")})` : ""}`}
              </span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
