"use client";
import type { Check } from "@/lib/provenance/verify-datum";
import type { MessageKey } from "@/lib/i18n/messages";
import { fill } from "@/lib/i18n/fill";
import { renderNote } from "@/lib/provenance/check-note";
import { formatCityTime } from "@/lib/i18n/city-time";
import { useI18n } from "../i18n/i18n-provider";

/** The verifier's checks, each passed, failed with its reason, or withheld under the viewer's grant (not run, not a failure). */
export function CheckList({ checks }: { checks: Check[] }) {
  const { t, locale } = useI18n();
  const withheldText = (c: Check) =>
    c.withheld!.fields?.length ? fill(t("prov.withheldFields"), { fields: c.withheld!.fields.join(", ") }) : fill(t("prov.withheldUnder"), { scope: t(`scope.${c.withheld!.scope}`) });
  return (
    <ul className="check-list" data-testid="check-list">
      {checks.map((c) =>
        c.withheld ? (
          <li key={c.id} className="check withheld" data-check={c.id} data-withheld={c.withheld.scope}>
            <span className="check-mark" aria-hidden>
              ○
            </span>
            <span className="check-name">{t(`check.${c.id}` as MessageKey)}</span>
            <span className="check-detail">{withheldText(c)}</span>
          </li>
        ) : (
          <li key={c.id} className={c.ok ? "check ok" : "check failed"} data-check={c.id} data-ok={c.ok}>
            <span className="check-mark" aria-hidden>
              {c.ok ? "✓" : "✗"}
            </span>
            <span className="check-name">{t(`check.${c.id}` as MessageKey)}</span>
            <span className="check-detail">{renderNote(c.note, t, locale === "en", (iso) => formatCityTime(iso, locale))}</span>
          </li>
        ),
      )}
    </ul>
  );
}
