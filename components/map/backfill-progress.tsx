"use client";
import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useI18n } from "../i18n/i18n-provider";
import { getJson } from "@/components/http/fetch-json";
import { formatCityTime } from "@/lib/i18n/city-time";

type Progress = { state: "off" | "waiting" | "running" | "done"; hours: number; total: number; sent: number; from: string | null; to: string | null; reachedBack: string | null };

/** How long "history filled" stays on screen after the backfill ends. */
const DONE_VISIBLE_MS = 8000;

/**
 * A small bar above the replay slider (mounted by it) while the simulator fills the history of the last
 * hours (SIM_BACKFILL_HOURS, GET /api/health `backfill`): how much is sent and how far back
 * the history reaches; it says so briefly when done, then goes. Nothing when there is none.
 */
export function BackfillProgress() {
  const { t, locale } = useI18n();
  const q = useQuery({
    queryKey: ["health-backfill"],
    queryFn: () => getJson<{ backfill?: Progress }>("/api/health"),
    refetchInterval: (query) => {
      const s = query.state.data?.backfill?.state;
      return s === "running" || s === "waiting" ? 3000 : false;
    },
  });
  const p = q.data?.backfill;
  // Shown when this page saw it pending (waiting or running); "done" then stays a few seconds.
  // A page that saw it waiting is told it is done even if the run fell between two polls (a
  // small city's hour fills in seconds, and a busy page polls late); a page opened after the
  // end shows nothing.
  const [seenRunning, setSeenRunning] = useState(false);
  const [doneShown, setDoneShown] = useState(false);
  useEffect(() => {
    if ((p?.state === "running" || p?.state === "waiting") && !seenRunning) setSeenRunning(true);
    if (p?.state === "done" && seenRunning && !doneShown) {
      const h = setTimeout(() => setDoneShown(true), DONE_VISIBLE_MS);
      return () => clearTimeout(h);
    }
  }, [p?.state, seenRunning, doneShown]);
  if (!p || !seenRunning || doneShown || (p.state !== "running" && p.state !== "done")) return null;
  const pct = p.total ? Math.min(100, Math.floor((p.sent / p.total) * 100)) : 100;
  const back = p.reachedBack ? formatCityTime(p.reachedBack, locale, "short") : null;
  const done = p.state === "done";
  return (
    <div
      className="map-overlay"
      role="status"
      data-testid="backfill-progress"
      data-state={p.state}
      data-sent={p.sent}
      data-total={p.total}
      style={{ bottom: "calc(100% + 8px)", left: "50%", transform: "translateX(-50%)", padding: "6px 10px", fontSize: 12, zIndex: 2, display: "flex", alignItems: "center", gap: 8, whiteSpace: "nowrap" }}
      title={t("backfill.explain")}
    >
      <span>{done ? t("backfill.done") : t("backfill.running")}</span>
      {!done ? (
        <span aria-hidden style={{ width: 120, height: 6, borderRadius: 3, background: "rgba(148,163,184,0.25)", overflow: "hidden", display: "inline-block" }}>
          <span style={{ display: "block", height: "100%", width: `${pct}%`, background: "#38bdf8" }} />
        </span>
      ) : null}
      <span style={{ fontVariantNumeric: "tabular-nums" }}>
        {done ? `${p.hours} ${t("backfill.hours")}` : `${pct}%`}
        {!done && back ? ` · ${t("backfill.reachedBack")} ${back}` : ""}
      </span>
    </div>
  );
}
