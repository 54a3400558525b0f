"use client";
import { useRouter } from "next/navigation";
import { useI18n } from "../i18n/i18n-provider";

/** Switches between 中文 and English; the choice is kept in a cookie and the page re-renders. */
export function LanguageSwitch() {
  const { locale, t } = useI18n();
  const router = useRouter();
  const next = locale === "en" ? "zh-CN" : "en";
  return (
    <button
      type="button"
      className="lang-switch"
      aria-label={t("lang.switchLabel")}
      data-testid="lang-switch"
      onClick={() => {
        document.cookie = `lang=${next}; path=/; max-age=31536000; samesite=lax`;
        router.refresh();
      }}
    >
      {t("lang.switch")}
    </button>
  );
}
