"use client";
import { useQuery } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { getJson } from "@/components/http/fetch-json";

type Health = { catchUp?: { ledger?: { state: "idle" | "integrating"; integrated: number; of: number } } };

/**
 * A line in the live status while the city log integrates a backlog in steps after a start
 * (GET /api/health `catchUp.ledger`): "Ledger: integrating N of M leaves". The map is served
 * meanwhile; readings are stored and signed, and get their checkpoint as the steps commit.
 * Shares the health query with the backfill bar (one request for both).
 */
export function LedgerCatchUp() {
  const { t, locale } = useI18n();
  const q = useQuery({
    queryKey: ["health-backfill"],
    queryFn: () => getJson<Health>("/api/health"),
    refetchInterval: (query) => ((query.state.data as Health | undefined)?.catchUp?.ledger?.state === "integrating" ? 3000 : false),
  });
  const p = q.data?.catchUp?.ledger;
  if (!p || p.state !== "integrating") return null;
  return (
    <div className="muted" data-testid="ledger-catch-up" data-integrated={p.integrated} data-of={p.of} title={t("ledgerCatchUp.explain")}>
      {t("ledgerCatchUp.integrating").replace("{n}", p.integrated.toLocaleString(locale)).replace("{m}", p.of.toLocaleString(locale))}
    </div>
  );
}
