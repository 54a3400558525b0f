"use client";
import { useMemo } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { AccessNote, Kpis, SafetyLatest } from "@/lib/api/map-specs";
import type { MessageKey } from "@/lib/i18n/messages";
import { useI18n } from "../i18n/i18n-provider";
import { Sparkline } from "./sparkline";
import { deniedText } from "./access-text";
import type { Grade } from "@/lib/map/traffic-grade";
import { GRADE_COLORS, rgbCss } from "./palettes";
import { kpisQuery, latestQuery } from "./map-queries";
import { openBySeverity } from "./alarms";

/**
 * The KPI answer for a moment (null: live). Live, the open incidents are counted from the
 * safety layer's live answer when the page holds it with incidents (the alarm list loads it):
 * the tile then shows what the list and the map show. Otherwise (replay, or incidents held
 * aggregated, which the live answer carries as cells) the server's count stands.
 */
export function useKpis(to: string | null, enabled = true) {
  const kpis = useQuery({ ...kpisQuery(to), placeholderData: keepPreviousData, enabled });
  // From the cache only: this does not load the safety layer.
  const safety = useQuery({ ...latestQuery("safety"), enabled: false }).data as SafetyLatest | undefined;
  const data = useMemo(() => {
    const k = kpis.data;
    if (to !== null || !k?.safety || !safety?.incidents) return k;
    return { ...k, safety: { ...k.safety, open: openBySeverity(safety.incidents) } };
  }, [kpis.data, safety, to]);
  return { data, loading: kpis.isFetching, error: !!kpis.error };
}

function Tile(props: { id: string; title: string; children: React.ReactNode; state?: string; only?: string[] }) {
  if (props.only && !props.only.includes(props.id)) return null;
  return (
    <div className="kpi" data-testid={`kpi-${props.id}`} data-state={props.state ?? "ok"}>
      <div className="kpi-title">{props.title}</div>
      {props.children}
    </div>
  );
}

/** A grade's name with its colour swatch (the colour on a dot: dark red text would not read on the dark panel). */
function GradeName(props: { grade: Grade | null; t: ReturnType<typeof useI18n>["t"] }) {
  if (!props.grade) return null;
  return (
    <small data-testid="kpi-grade" style={{ display: "inline-flex", alignItems: "center", gap: 4, color: "var(--text)", whiteSpace: "nowrap" }}>
      <span className="swatch dot" style={{ background: rgbCss(GRADE_COLORS[props.grade]) }} />
      {props.t(`legend.grade.${props.grade}`)}
    </small>
  );
}

const fmt = (v: number | null | undefined, locale: string, digits = 0) =>
  v === null || v === undefined ? "–" : v.toLocaleString(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * What a duty officer watches, each with a small trend: average speed, the traffic
 * performance index (0–10) with its grade, the worst corridors by index coloured by grade, grid load and reserve, open incidents by severity,
 * open citizen reports with their median time to resolution. A domain the
 * viewer may not read says so instead of a number.
 */
export function KpiStrip(props: { kpis: Kpis | undefined; loading: boolean; error: boolean; large?: boolean; only?: string[] }) {
  const { t, locale } = useI18n();
  const k = props.kpis;
  const denied = (ds: string) => k?.access.find((a): a is Extract<AccessNote, { allowed: false }> => a.datasetId === ds && !a.allowed);
  const placeholder = (ds: string) => {
    if (props.error && !k) return <div className="kpi-value muted">{t("kpi.error")}</div>;
    if (!k) return <div className="kpi-value muted">…</div>;
    const d = denied(ds);
    return (
      <div className="kpi-note" title={d ? deniedText(d, t, locale) : ""}>
        {d ? t("kpi.noAccess") : t("kpi.noData")}
      </div>
    );
  };
  const tr = k?.traffic, en = k?.energy, sa = k?.safety;
  const w = props.large ? 160 : 96;
  const h = props.large ? 36 : 22;
  return (
    <div className={props.large ? "kpi-strip large" : "map-overlay kpi-strip"} data-testid="kpi-strip" data-loading={props.loading}>
      <Tile only={props.only} id="speed" title={t("kpi.speed")} state={tr ? "ok" : "none"}>
        {tr ? (
          <>
            <div className="kpi-value">
              {fmt(tr.speedKmh, locale, 1)} <small>km/h</small>
            </div>
            <Sparkline values={tr.trendSpeed.values} width={w} height={h} />
          </>
        ) : (
          placeholder("traffic.flow")
        )}
      </Tile>
      <Tile only={props.only} id="congestion" title={t("kpi.congestion")} state={tr ? "ok" : "none"}>
        {tr ? (
          <>
            <div
              className="kpi-value"
              // The grade goes under the index when the cell is too narrow for both ("Basically smooth" at 1400 px).
              style={{ whiteSpace: "normal" }}
              data-testid="kpi-index"
              data-index={tr.index ?? ""}
              data-grade={tr.grade ?? ""}
              title={`${t("kpi.indexHelp")}${tr.congestedShare === null ? "" : ` · ${fmt(tr.congestedShare * 100, locale, 1)}% ${t("kpi.congested")}`}${tr.speedRatio === null ? "" : ` · ${t("kpi.speedRatio")} ${fmt(tr.speedRatio, locale, 2)}`}`}
            >
              {fmt(tr.index, locale, 1)} <GradeName grade={tr.grade} t={t} />
            </div>
            <Sparkline values={tr.trendIndex.values} width={w} height={h} color={tr.grade ? rgbCss(GRADE_COLORS[tr.grade]) : "#94a3b8"} />
          </>
        ) : (
          placeholder("traffic.flow")
        )}
      </Tile>
      <Tile only={props.only} id="corridors" title={t("kpi.corridors")} state={tr ? "ok" : "none"}>
        {tr ? (
          tr.worstCorridors.length ? (
            <ol className="corridors">
              {tr.worstCorridors.slice(0, props.large ? 5 : 3).map((c) => (
                <li key={c.roadId} data-testid="corridor" data-index={c.index} data-grade={c.grade}>
                  <span className="corridor-name" title={locale === "en" ? c.nameEn : c.nameZh}>{locale === "en" ? c.nameEn : c.nameZh}</span>
                  <span
                    className="corridor-index"
                    style={{ color: "inherit", display: "inline-flex", alignItems: "center", gap: 4 }}
                    title={`${t(`legend.grade.${c.grade}`)}${c.speedRatio === null ? "" : ` · ${t("kpi.speedRatio")} ${fmt(c.speedRatio, locale, 2)}`}`}
                  >
                    <span className="swatch dot" style={{ background: rgbCss(GRADE_COLORS[c.grade]) }} />
                    {fmt(c.index, locale, 1)}
                  </span>
                  <Sparkline values={c.trend} width={props.large ? 80 : 48} height={props.large ? 18 : 14} color={rgbCss(GRADE_COLORS[c.grade])} />
                </li>
              ))}
            </ol>
          ) : (
            <div className="kpi-note">{t("kpi.noData")}</div>
          )
        ) : (
          placeholder("traffic.flow")
        )}
      </Tile>
      <Tile only={props.only} id="load" title={t("kpi.load")} state={en ? "ok" : "none"}>
        {en ? (
          <>
            <div className="kpi-value">
              {fmt(en.loadMw, locale)} <small>/ {fmt(en.capacityMw, locale)} MW</small>
            </div>
            <Sparkline values={en.trendLoad.values} width={w} height={h} color="#fdae61" />
          </>
        ) : (
          placeholder("energy.load")
        )}
      </Tile>
      <Tile only={props.only} id="reserve" title={t("kpi.reserve")} state={en ? "ok" : "none"}>
        {en ? (
          <>
            <div className="kpi-value">
              {fmt(en.reserveMw, locale)} <small>MW {en.reserveMw !== null ? `(${fmt((en.reserveMw / en.capacityMw) * 100, locale)}%)` : ""}</small>
            </div>
            <Sparkline values={en.trendReserve.values} width={w} height={h} color="#2c7bb6" />
          </>
        ) : (
          placeholder("energy.load")
        )}
      </Tile>
      <Tile only={props.only} id="incidents" title={t("kpi.incidents")} state={sa && !denied("safety.incidents") ? "ok" : "none"}>
        {sa && !denied("safety.incidents") ? (
          <>
            <div className="kpi-value sev">
              {(["s1", "s2", "s3"] as const).map((s) => (
                <span key={s} className={`sev-chip ${s}`} title={t(`kpi.severity.${s}` as MessageKey)} data-testid={`open-${s}`}>
                  {t(`kpi.severity.${s}` as MessageKey)} {sa.open[s]}
                </span>
              ))}
            </div>
            <Sparkline values={sa.trendOpen.values} width={w} height={h} color="#cc79a7" />
          </>
        ) : (
          placeholder("safety.incidents")
        )}
      </Tile>
      <Tile only={props.only} id="reports" title={t("kpi.reports")} state={k?.reports ? "ok" : "none"}>
        {k?.reports ? (
          <>
            <div className="kpi-value" data-testid="kpi-reports-open" data-open={k.reports.open}>
              {fmt(k.reports.open, locale)} <small>{t("kpi.reportsOpen")}</small>
            </div>
            <div className="muted" style={{ fontSize: 12 }} data-testid="kpi-reports-median" title={t("kpi.reportsMedianHelp")}>
              {t("kpi.reportsMedian")} {k.reports.medianResolutionH === null ? "–" : `${fmt(k.reports.medianResolutionH, locale, 1)} h`}
            </div>
          </>
        ) : (
          placeholder("reports.citizen")
        )}
      </Tile>
    </div>
  );
}
