"use client";
import { pageOf, type PageInfo } from "@/lib/grants/paging";
import { useI18n } from "../i18n/i18n-provider";
import styles from "../console.module.css";

/** Previous / "11–20 of 57" / next under a paged list; nothing when everything fits on one page. */
export function Pager(props: { page: PageInfo | undefined; onOffset: (offset: number) => void; testId: string }) {
  const { t, locale } = useI18n();
  if (!props.page || props.page.total <= props.page.limit) return null;
  const p = pageOf(props.page);
  const n = (v: number) => v.toLocaleString(locale);
  return (
    <div className={styles.pager} data-testid={`${props.testId}-pager`}>
      <button type="button" className={styles.button} disabled={p.prevOffset === null} onClick={() => props.onOffset(p.prevOffset ?? 0)}>
        {t("admin.prev")}
      </button>
      <span>{t("grants.pageOf").replace("{first}", n(p.first)).replace("{last}", n(p.last)).replace("{total}", n(props.page.total))}</span>
      <button type="button" className={styles.button} disabled={p.nextOffset === null} onClick={() => props.onOffset(p.nextOffset ?? 0)} data-testid={`${props.testId}-next`}>
        {t("admin.next")}
      </button>
    </div>
  );
}
