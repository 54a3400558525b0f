"use client";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { LngLatLike, Map as MapLibreMap } from "maplibre-gl";
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
import type { LabelFeature, LabelView } from "./label-layers";
import { AlarmTicker, alarmWhat, useAlarms } from "./alarm-list";
import { SEVERITY_COLORS } from "./alarms";
import { wallCycle, wallKpis, wallStep } from "./wall-tour";
import styles from "./wall.module.css";
import { formatCityTime } from "@/lib/i18n/city-time";

export { WALL_LAYER_CYCLE, wallStep } from "./wall-tour";

const NO_LABELS: LabelFeature[] = [];
const lngLat = (c: LngLatLike): [number, number] => (Array.isArray(c) ? [c[0], c[1]] : "lng" in c ? [c.lng, c.lat] : [c.lon, c.lat]);
const sameView = (a: LabelView, b: LabelView) =>
  a.width === b.width && a.height === b.height && Math.abs(a.zoom - b.zoom) < 1e-6 && Math.abs(a.center[0] - b.center[0]) < 1e-9 && Math.abs(a.center[1] - b.center[1]) < 1e-9;
/** The layout's design size: larger walls scale the panels up by the smaller ratio. */
const DESIGN = { w: 1920, h: 1080 };
/** Room kept round the city or district in the map's frame (the map's own pixels). */
const FIT_MARGIN = 16;

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
 * Wall mode (大屏) for the command centre: the map in the middle of the screen, framed by
 * the title, KPIs, legend, alarms and a scrolling event ticker on opaque panels around it
 * (the map never runs under a panel, so no map label shows through one), and a tour through the
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
  // The view the map shows or flies to: only labels wholly inside it are drawn.
  const [labelView, setLabelView] = useState<LabelView | null>(null);
  const showView = useCallback((v: LabelView) => setLabelView((old) => (old && sameView(old, v) ? old : v)), []);
  const glyphs = useMemo(() => stationGlyphs(locale), [locale]);
  const { layers } = useDeckLayers(data, { active: visible, zoom, selectedId: null, coverage: "police", labels: labels.data?.labels ?? NO_LABELS, glyphs, large: true, notes: notes ?? undefined, labelView });
  const kpis = useKpis(null);
  const kpiAccess = kpis.data?.access;
  const { alarms } = useAlarms();

  // The map in state, not a ref: it exists only once MapLibre has loaded (after these effects
  // first ran), and each effect below must run again then (else the tour's first flights, the
  // wall's pixel ratio and the label view wait for the next change).
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const onMap = useCallback((m: MapLibreMap | null) => {
    setMap(m);
    (window as unknown as { cityBrainMap?: MapLibreMap }).cityBrainMap = m ?? undefined;
  }, []);
  // A larger wall draws the map zoomed like the panels (labels and symbols at the same size
  // relative to the screen) at its full resolution: MapLibre's pixel ratio, given when the map
  // is made (MapView's pixelRatio), and set again if the window's size changes the scale.
  const [pixelRatio] = useState(() => scale * window.devicePixelRatio);
  useEffect(() => {
    if (!map) return;
    const want = scale * window.devicePixelRatio;
    if (map.getPixelRatio() !== want) map.setPixelRatio(want);
    map.resize();
  }, [scale, map]);
  const focus = cur.district >= 0 ? districts[cur.district] : null;
  useEffect(() => {
    const b = focus?.bbox ?? info.data?.bounds;
    if (!map || !b) return;
    // The map's frame is the part of the screen no panel covers: a small margin is enough.
    map.fitBounds(b, { padding: FIT_MARGIN, duration: 2500 });
    // Labels for where the flight ends, from its start (none appear or vanish as it lands).
    const cam = map.cameraForBounds(b, { padding: FIT_MARGIN });
    const c = map.getContainer();
    if (cam?.center && cam.zoom !== undefined) showView({ center: lngLat(cam.center), zoom: cam.zoom, width: c.clientWidth, height: c.clientHeight });
  }, [focus, info.data?.bounds, map, showView]);
  // Wherever the map comes to rest (a hand on the wall's map, a resize), labels for that view.
  useEffect(() => {
    if (!map) return;
    const on = () => {
      const c = map.getContainer();
      showView({ center: map.getCenter().toArray(), zoom: map.getZoom(), width: c.clientWidth, height: c.clientHeight });
    };
    map.on("moveend", on);
    map.on("resize", on);
    return () => void (map.off("moveend", on), map.off("resize", on));
  }, [map, showView]);

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
          pixelRatio={pixelRatio}
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
