"use client";
import type { Check } from "@/lib/provenance/verify-datum";
import type { MessageKey } from "@/lib/i18n/messages";
import { useI18n } from "../i18n/i18n-provider";

/** The verifier's checks, each passed or failed with its reason. */
export function CheckList({ checks }: { checks: Check[] }) {
  const { t } = useI18n();
  return (
    <ul className="check-list" data-testid="check-list">
      {checks.map((c) => (
        <li key={c.id} className={c.ok ? "check ok" : "check failed"} data-check={c.id} data-ok={c.ok}>
          <span className="check-mark" aria-hidden>
            {c.ok ? "✓" : "✗"}
          </span>
          <span className="check-name">{t(`check.${c.id}` as MessageKey)}</span>
          <span className="check-detail">{c.detail}</span>
        </li>
      ))}
    </ul>
  );
}
