"use client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { Map as MapLibreMap } from "maplibre-gl";
import { MAP_LAYERS, type MapLayerId } from "@/lib/api/map-specs";
import type { MessageKey } from "@/lib/i18n/messages";
import { useI18n } from "../i18n/i18n-provider";
import { cityInfoQuery, cityLabelsQuery, cityStyleQuery, mapLayersQuery } from "./map-queries";
import { isImportedCity } from "@/lib/city/imported";
import { MapView } from "./map-view";
import { useMapData } from "./use-map-data";
import { useDeckLayers } from "./use-deck-layers";
import { KpiStrip, useKpis } from "./kpi-strip";
import { Legend } from "./legend";
import { stationGlyphs } from "./city-map";
import type { LabelFeature } from "./label-layers";
import { AlarmTicker, alarmWhat, useAlarms } from "./alarm-list";
import { SEVERITY_COLORS } from "./alarms";
import { wallCycle, wallKpis, wallStep } from "./wall-tour";
import styles from "./wall.module.css";
import { formatCityTime } from "@/lib/i18n/city-time";

export { WALL_LAYER_CYCLE, wallStep } from "./wall-tour";

const NO_LABELS: LabelFeature[] = [];
/** The layout's design size: larger walls scale the panels up by the smaller ratio. */
const DESIGN = { w: 1920, h: 1080 };
/** Screen space the panels take at scale 1 (fit padding keeps the city clear of them). */
const PANELS = { top: 92, bottom: 76, side: 404 };

function useWallScale() {
  const get = () => Math.max(1, Math.min(3, Math.min(window.innerWidth / DESIGN.w, window.innerHeight / DESIGN.h)));
  const [s, setS] = useState(get);
  useEffect(() => {
    const on = () => setS(get());
    window.addEventListener("resize", on);
    return () => window.removeEventListener("resize", on);
  }, []);
  return s;
}

/**
 * Wall mode (大屏) for the command centre: the map fills the screen, with the title, KPIs,
 * legend, alarms and a scrolling event ticker on panels around it, and a tour through the
 * whole city and each district with each layer the viewer may see, by itself (`?cycle=`
 * seconds per step, default 20). Always live.
 */
export default function Wall() {
  const { t, locale } = useI18n();
  const info = useQuery(cityInfoQuery());
  const style = useQuery(cityStyleQuery("dark"));
  const labels = useQuery(cityLabelsQuery(locale));
  const mapLayers = useQuery(mapLayersQuery());
  const scale = useWallScale();
  const cycleS = useMemo(() => {
    const v = Number(new URLSearchParams(window.location.search).get("cycle"));
    return Number.isFinite(v) && v >= 3 && v <= 600 ? v : 20;
  }, []);
  const [step, setStep] = useState(0);
  const [clock, setClock] = useState(() => Date.now());
  useEffect(() => {
    const a = setInterval(() => setStep((s) => s + 1), cycleS * 1000);
    const b = setInterval(() => setClock(Date.now()), 1000);
    return () => (clearInterval(a), clearInterval(b));
  }, [cycleS]);
  // Every layer's data stays loaded, so each step draws at once.
  const all = useMemo(() => new Set<MapLayerId>(MAP_LAYERS), []);
  const data = useMapData(all, { live: true });
  const notes = data.live.notes ?? mapLayers.data?.access;
  // The tour leaves out layers the viewer may not see (no "no access" screens).
  const cycle = useMemo(() => wallCycle(notes), [notes]);
  const districts = info.data?.districts ?? [];
  const cur = wallStep(step, districts.length, cycle);
  const layerKey = cur.layers.join(",");
  const visible = useMemo(() => new Set<MapLayerId>(layerKey.split(",") as MapLayerId[]), [layerKey]);
  const [zoom, setZoom] = useState(11);
  const glyphs = useMemo(() => stationGlyphs(locale), [locale]);
  const { layers } = useDeckLayers(data, { active: visible, zoom, selectedId: null, coverage: "police", labels: labels.data?.labels ?? NO_LABELS, glyphs, large: true, notes: notes ?? undefined });
  const kpis = useKpis(null);
  const kpiAccess = kpis.data?.access;
  const { alarms } = useAlarms();

  const mapRef = useRef<MapLibreMap | null>(null);
  const onMap = useCallback((m: MapLibreMap | null) => {
    mapRef.current = m;
    (window as unknown as { cityBrainMap?: MapLibreMap }).cityBrainMap = m ?? undefined;
  }, []);
  // A larger wall draws the map zoomed like the panels (labels and symbols at the same size
  // relative to the screen) at its full resolution: MapLibre's pixel ratio, which deck.gl
  // follows when interleaved.
  useEffect(() => {
    const m = mapRef.current;
    if (!m) return;
    const want = scale * window.devicePixelRatio;
    if (m.getPixelRatio() !== want) m.setPixelRatio(want);
    m.resize();
  }, [scale, style.data]);
  const focus = cur.district >= 0 ? districts[cur.district] : null;
  // In the map's own (zoomed) pixels: the panels' design sizes.
  const padding = useMemo(() => ({ top: PANELS.top + 16, bottom: PANELS.bottom + 16, left: PANELS.side + 16, right: PANELS.side + 16 }), []);
  useEffect(() => {
    const m = mapRef.current;
    const b = focus?.bbox ?? info.data?.bounds;
    if (!m || !b) return;
    const c = m.getContainer();
    // Never more padding than the map has room for (a small window).
    const fits = padding.left + padding.right < c.clientWidth - 100 && padding.top + padding.bottom < c.clientHeight - 100;
    m.fitBounds(b, { padding: fits ? padding : 24, duration: 2500 });
  }, [focus, info.data?.bounds, padding, style.data]);

  if (info.error || style.error) return <div className="center-message wall-root">{t("map.error")}</div>;
  if (!info.data || !style.data) return <div className="center-message wall-root" data-testid="map-loading">{t("map.loading")}</div>;
  const b = info.data.bounds;
  const focusName = focus ? (locale === "en" ? focus.nameEn : focus.nameZh) : t("wall.cityWide");
  const zoomStyle = scale > 1 ? { zoom: scale } : undefined;
  const time = (iso: string) => formatCityTime(iso, locale, "hm");
  const leftKpis = wallKpis(["speed", "congestion", "corridors"], kpiAccess);
  const rightKpis = wallKpis(["load", "reserve", "incidents"], kpiAccess);
  const incidentsHidden = (notes ?? []).some((n) => n.datasetId === "safety.incidents" && !n.allowed);
  // Nothing of the right column for this viewer (a guest): the legend goes there instead.
  const legendRight = !rightKpis.length && incidentsHidden;
  const legend = <Legend active={visible} coverage="police" onCoverage={() => {}} />;
  return (
    <div className="wall-root" data-testid="wall" data-step={step} data-layers={layerKey} data-cycle={cycle.map((c) => c.join("+")).join(",")} data-focus={focus?.id ?? "city"} data-scale={scale}>
      <div className={styles.map} data-testid="wall-map" style={zoomStyle}>
        <MapView
          style={style.data}
          bounds={b}
          credit={isImportedCity(info.data) ? t("map.osmCredit") : null}
          maxBounds={[b[0] - 0.6, b[1] - 0.6, b[2] + 0.6, b[3] + 0.6]}
          layers={layers}
          onMap={onMap}
          onZoom={(z) => setZoom(Math.floor(z * 2) / 2)}
          controls={false}
          onAfterRender={() => {
            if ((data.traffic.values?.count ?? 0) > 0 && document.body.dataset.firstFrameMs === undefined) {
              document.body.dataset.firstFrameMs = String(Math.round(performance.now()));
            }
          }}
        />
      </div>
      <header className={`${styles.panel} ${styles.title}`} style={zoomStyle}>
        <h1>
          {t("app.title")} · {locale === "en" ? info.data.nameEn : info.data.nameZh}
        </h1>
        <span className={styles.focus} data-testid="wall-focus">
          {focusName} · {cur.layers.map((l) => t(`layer.${l}`)).join(" + ")}
        </span>
        <span className={styles.clock}>{formatCityTime(clock, locale, "time")}</span>
      </header>
      <aside className={`${styles.panel} ${styles.side} ${styles.left}`} style={zoomStyle} data-testid="wall-left">
        {leftKpis.length ? <KpiStrip kpis={kpis.data} loading={kpis.loading} error={kpis.error} large only={leftKpis} /> : null}
        {legendRight ? null : legend}
      </aside>
      <aside className={`${styles.panel} ${styles.side} ${styles.right}`} style={zoomStyle} data-testid="wall-right">
        {rightKpis.length ? <KpiStrip kpis={kpis.data} loading={kpis.loading} error={kpis.error} large only={rightKpis} /> : null}
        {legendRight ? legend : null}
        {incidentsHidden ? null : (
          <section className={styles.alarms} data-testid="wall-alarms" data-count={alarms.length}>
            <div className={styles.alarmsTitle}>
              {t("wall.alarms")} <span className={styles.muted}>{fillCount(t("alarms.open"), alarms.length)}</span>
            </div>
            {alarms.length ? (
              <ol className={styles.alarmList}>
                {alarms.slice(0, 12).map((a) => (
                  <li key={a.id} style={{ borderLeftColor: SEVERITY_COLORS[a.severity] }} data-severity={a.severity}>
                    <strong style={{ color: SEVERITY_COLORS[a.severity] }}>{t(`kpi.severity.s${a.severity}` as MessageKey)}</strong>
                    <span className={styles.what}>{alarmWhat(a, t)}</span>
                    <span className={styles.muted}>{time(a.at)}</span>
                  </li>
                ))}
              </ol>
            ) : (
              <div className={styles.muted}>{t("alarms.none")}</div>
            )}
          </section>
        )}
      </aside>
      <footer className={`${styles.panel} ${styles.bottom}`} style={zoomStyle}>
        <span>
          <span className={data.live.state === "live" ? "status-dot live" : "status-dot"} />
          {data.live.state === "live" ? t("map.live") : t("map.connecting")}
        </span>
        {incidentsHidden ? <span style={{ flex: 1 }} /> : <AlarmTicker alarms={alarms} className={styles.ticker} />}
        <span>
          {(data.traffic.values?.count ?? 0).toLocaleString(locale)} {t("map.sensors")}
        </span>
        <a href="/" style={{ color: "var(--muted)" }}>
          {t("wall.exit")}
        </a>
      </footer>
    </div>
  );
}

const fillCount = (text: string, n: number) => text.replace("{n}", String(n));
