"use client";
import type { ReactNode } from "react";
import type { useI18n } from "../i18n/i18n-provider";
import styles from "../console.module.css";

/**
 * What a staff-only page (rules, access log) shows instead of itself: "loading" while the
 * session loads, the sign-in notice to a visitor or an official; null once a staff member
 * is signed in (the page then renders).
 */
export function staffOnlyNotice(loading: boolean, role: string | undefined, t: ReturnType<typeof useI18n>["t"]): ReactNode {
  if (loading) return <div className={styles.page}>{t("admin.loading")}</div>;
  if (!role || role === "official") {
    return (
      <div className={styles.page}>
        <p className={styles.notice}>{t("grants.signIn")}</p>
      </div>
    );
  }
  return null;
}
