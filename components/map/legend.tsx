"use client";
import { Fragment, useEffect, useRef, useState, type CSSProperties } from "react";
import type { MapLayerId } from "@/lib/api/map-specs";
import { useI18n } from "../i18n/i18n-provider";
import { GRADES } from "@/lib/map/traffic-grade";
import {
  CAMERA_STATE_COLORS, GRADE_COLORS, INCIDENT_COLORS, loadGradientCss, NO_DATA_COLOR, OUTAGE_COLOR, RENEWABLE_COLORS, responseGradientCss,
  rgbCss, STATION_COLORS, viridisGradientCss,
} from "./palettes";
import type { CoverageKind } from "./url-state";
import { CITIZEN_LAYER_SERVICES } from "@/lib/citizen/service-catalogue";
import { citizenColor, REPORT_AGES } from "./citizen-layers";
import type { MessageKey } from "@/lib/i18n/messages";

function Ramp(props: { css: string; labels: string[] }) {
  return (
    <>
      <div className="legend-bar" style={{ background: props.css }} />
      <div className="legend-labels">
        {props.labels.map((l) => (
          <span key={l}>{l}</span>
        ))}
      </div>
    </>
  );
}

function Swatch(props: { color: string; label: string; round?: boolean; ring?: string }) {
  return (
    <span className="legend-item">
      <span className={props.round ? "swatch dot" : "swatch"} style={{ background: props.color, boxShadow: props.ring ? `0 0 0 2px ${props.ring}` : undefined }} />
      {props.label}
    </span>
  );
}

/** The legend of every active layer, with the colour-blind-safe palettes the layers draw with. */
export function Legend(props: { active: ReadonlySet<MapLayerId>; coverage: CoverageKind; onCoverage: (c: CoverageKind) => void; style?: CSSProperties }) {
  const { t, locale } = useI18n();
  const noData = <Swatch color={rgbCss(NO_DATA_COLOR, 0.6)} label={t("legend.noData")} />;
  // Where the window is too short for every section, the legend scrolls; a fade and "more"
  // at its bottom edge say so (a cut-off last row read as the whole legend).
  const outer = useRef<HTMLDivElement>(null);
  const inner = useRef<HTMLDivElement>(null);
  const [more, setMore] = useState(false);
  useEffect(() => {
    const el = outer.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const check = () => setMore(el.scrollTop + el.clientHeight < el.scrollHeight - 2);
    check();
    el.addEventListener("scroll", check, { passive: true });
    const ro = new ResizeObserver(check);
    ro.observe(el);
    if (inner.current) ro.observe(inner.current);
    return () => {
      el.removeEventListener("scroll", check);
      ro.disconnect();
    };
  }, []);
  return (
    <div ref={outer} className="map-overlay legend" data-testid="legend" data-more={more} style={{ scrollbarWidth: "thin", ...props.style }}>
      <div ref={inner}>
        {props.active.has("traffic") ? (
          <section data-testid="legend-traffic">
            <div className="legend-title" title={t("legend.gradeBasis")} style={{ cursor: "help" }}>{t("legend.title")}</div>
            <div style={{ display: "grid", gridTemplateColumns: "18px 1fr auto", alignItems: "center", gap: "3px 6px", fontSize: 12 }}>
              {GRADES.map((g, i) => (
                <Fragment key={g}>
                  <span className="swatch" style={{ width: 18, height: 5, background: rgbCss(GRADE_COLORS[g]) }} />
                  <span data-testid={`legend-grade-${g}`}>{t(`legend.grade.${g}`)}</span>
                  <span className="muted" style={{ fontVariantNumeric: "tabular-nums" }}>{`${2 * i}–${2 * i + 2}`}</span>
                </Fragment>
              ))}
              <span className="swatch" style={{ width: 18, height: 1.5, background: rgbCss(NO_DATA_COLOR, 0.9) }} />
              <span data-testid="legend-grade-none">{t("legend.noData")}</span>
              <span />
            </div>
            <div className="legend-row">
              <span className="legend-item">
                <span className="width-demo" />
                {t("legend.flowWidth")}
              </span>
              <Swatch color="#f1f5f9" round label={t("legend.signals")} />
            </div>
          </section>
        ) : null}
        {props.active.has("energy") ? (
          <section data-testid="legend-energy">
            <div className="legend-title">{t("legend.load")}</div>
            <Ramp css={loadGradientCss()} labels={["0%", "50%", "75%", "≥100%"]} />
            <div className="legend-title small">{t("legend.consumption")}</div>
            <Ramp css={viridisGradientCss()} labels={[t("legend.low"), t("legend.high")]} />
            <div className="legend-row">
              <Swatch color={rgbCss(RENEWABLE_COLORS.solar)} round label={t("legend.solar")} />
              <Swatch color={rgbCss(RENEWABLE_COLORS.wind)} round label={t("legend.wind")} />
              <Swatch color={rgbCss(RENEWABLE_COLORS.hydro)} round label={t("legend.hydro")} />
              <Swatch color={rgbCss(OUTAGE_COLOR)} label={t("legend.outage")} />
            </div>
          </section>
        ) : null}
        {props.active.has("safety") ? (
          <section data-testid="legend-safety">
            <div className="legend-title">
              {t("legend.coverage")}
              <span className="seg">
                {(["police", "fire"] as const).map((c) => (
                  <button key={c} className={props.coverage === c ? "on" : ""} onClick={() => props.onCoverage(c)} data-testid={`coverage-${c}`}>
                    {t(`legend.coverage.${c}`)}
                  </button>
                ))}
              </span>
            </div>
            <Ramp css={responseGradientCss()} labels={["2", "5", "8", "12", "16+ min"]} />
            <div className="legend-row">
              <Swatch color={rgbCss(STATION_COLORS["police-bureau"])} round label={t("legend.policeBureau")} />
              <Swatch color={rgbCss(STATION_COLORS["police-station"])} round label={t("legend.policeStation")} />
              <Swatch color={rgbCss(STATION_COLORS["fire-station"])} round label={t("legend.fireStation")} />
            </div>
            <div className="legend-row">
              <Swatch color={rgbCss(CAMERA_STATE_COLORS[1])} round label={t("legend.cameraOnline")} />
              <Swatch color={rgbCss(CAMERA_STATE_COLORS[0])} round label={t("legend.cameraOffline")} />
              <Swatch color={rgbCss(CAMERA_STATE_COLORS[2])} round label={t("legend.cameraAlert")} />
            </div>
          </section>
        ) : null}
        {props.active.has("safety") || props.active.has("traffic") ? (
          <section data-testid="legend-incidents">
            <div className="legend-title small">{t("legend.incidents")}</div>
            <div className="legend-row">
              {(["accident", "fire", "crime", "hazard"] as const).map((k) => (
                <Swatch key={k} color={rgbCss(INCIDENT_COLORS[k])} round label={t(`incident.${k}`)} />
              ))}
            </div>
            <div className="legend-row muted">{t("legend.incidentStyle")}</div>
          </section>
        ) : null}
        {props.active.has("citizen") ? (
          <section data-testid="legend-citizen">
            <div className="legend-title">{t("legend.citizen")}</div>
            <div className="legend-row" style={{ flexWrap: "wrap" }}>
              {CITIZEN_LAYER_SERVICES.map((x) => (
                <span key={x.code} className="legend-item" data-testid={`legend-citizen-${x.code}`}>
                  <span className="swatch dot" style={{ background: rgbCss(citizenColor(x.code)), color: "#0f172a", fontSize: 9, fontWeight: 700, display: "inline-flex", alignItems: "center", justifyContent: "center", width: 14, height: 14 }}>
                    {t(`citizenLayer.glyph.${x.code}` as MessageKey)}
                  </span>
                  {locale === "en" ? x.nameEn : x.nameZh}
                </span>
              ))}
            </div>
            <div className="legend-row">
              <span className="muted">{t("legend.citizenAge")}</span>
              {REPORT_AGES.map((a) => (
                <Swatch
                  key={a}
                  round
                  color={a === "older" ? "rgba(170, 178, 189, 0.45)" : "rgb(170, 178, 189)"}
                  ring={a === "new" ? "#ffffff" : a === "week" ? "#0f172a" : "rgb(170, 178, 189)"}
                  label={t(`citizenLayer.age.${a}`)}
                />
              ))}
            </div>
          </section>
        ) : null}
        {/* Traffic has its own no-data row; the other layers share this one. */}
        {props.active.size ? (props.active.has("energy") || props.active.has("safety") ? <div className="legend-row">{noData}</div> : null) : <div className="muted">{t("legend.none")}</div>}
      </div>
      {more ? (
        <div
          data-testid="legend-more"
          style={{
            position: "sticky", bottom: -10, margin: "0 -12px -10px", padding: "14px 0 4px", textAlign: "center", fontSize: 11,
            color: "var(--text)", background: "linear-gradient(rgba(15, 23, 42, 0), rgba(15, 23, 42, 0.97) 60%)", pointerEvents: "none",
          }}
        >
          ▾ {t("legend.more")}
        </div>
      ) : null}
    </div>
  );
}
