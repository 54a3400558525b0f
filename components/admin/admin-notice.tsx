"use client";
import { useI18n } from "../i18n/i18n-provider";
import { HttpError } from "@/components/http/fetch-json";
import styles from "../console.module.css";

/** What to show instead of a table: loading, not signed in, forbidden, or the error. */
export function AdminNotice({ error, loading }: { error: unknown; loading?: boolean }) {
  const { t } = useI18n();
  if (loading) return <p className={styles.muted}>{t("admin.loading")}</p>;
  if (!error) return null;
  if (error instanceof HttpError && error.status === 401) return <p className={styles.notice} data-testid="admin-sign-in">{t("admin.signIn")}</p>;
  if (error instanceof HttpError && error.status === 403) return <p className={styles.notice} data-testid="admin-forbidden">{t("admin.forbidden")}</p>;
  return (
    <p className={styles.error} role="alert">
      {t("admin.error")}
      {(error as Error).message}
    </p>
  );
}
