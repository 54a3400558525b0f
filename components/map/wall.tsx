"use client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { Map as MapLibreMap } from "maplibre-gl";
import { MAP_LAYERS, type MapLayerId } from "@/lib/api/map-specs";
import { useI18n } from "../i18n/i18n-provider";
import { cityInfoQuery, cityLabelsQuery, cityStyleQuery, kpisQuery } from "./map-queries";
import { MapView } from "./map-view";
import { useMapData } from "./use-map-data";
import { useDeckLayers } from "./use-deck-layers";
import { KpiStrip } from "./kpi-strip";
import { Legend } from "./legend";
import { stationGlyphs } from "./city-map";
import { panelPadding } from "./panel-padding";
import type { LabelFeature } from "./label-layers";

const NO_LABELS: LabelFeature[] = [];

/** The layer sets the wall cycles through, in order. */
export const WALL_LAYER_CYCLE: MapLayerId[][] = [["traffic"], ["energy"], ["safety"], ["traffic", "energy", "safety"]];

/** Step i of the wall's tour: a district (or the whole city, -1) and a layer set. */
export function wallStep(i: number, districts: number): { district: number; layers: MapLayerId[] } {
  const d = i % (districts + 1);
  return { district: d - 1, layers: WALL_LAYER_CYCLE[i % WALL_LAYER_CYCLE.length] };
}

/**
 * Wall mode (大屏) for the command centre: full screen, dark, large type, KPIs on both sides
 * of the map, and a tour through the whole city and each district with each layer, by
 * itself (`?cycle=` seconds per step, default 20). Always live.
 */
export default function Wall() {
  const { t, locale } = useI18n();
  const info = useQuery(cityInfoQuery());
  const style = useQuery(cityStyleQuery("dark"));
  const labels = useQuery(cityLabelsQuery(locale));
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
  const districts = info.data?.districts ?? [];
  const cur = wallStep(step, districts.length);
  const visible = useMemo(() => new Set<MapLayerId>(cur.layers), [cur.layers]);
  // Every layer's data stays loaded, so each step draws at once.
  const all = useMemo(() => new Set<MapLayerId>(MAP_LAYERS), []);
  const data = useMapData(all, { live: true });
  const [zoom, setZoom] = useState(11);
  const glyphs = useMemo(() => stationGlyphs(locale), [locale]);
  const { layers } = useDeckLayers(data, { active: visible, zoom, selectedId: null, coverage: "police", labels: labels.data?.labels ?? NO_LABELS, glyphs, large: true, notes: data.live.notes ?? undefined });
  const kpis = useQuery(kpisQuery(null));

  const mapRef = useRef<MapLibreMap | null>(null);
  const onMap = useCallback((m: MapLibreMap | null) => {
    mapRef.current = m;
  }, []);
  const focus = cur.district >= 0 ? districts[cur.district] : null;
  useEffect(() => {
    const m = mapRef.current;
    const b = focus?.bbox ?? info.data?.bounds;
    if (!m || !b) return;
    m.fitBounds(b, { padding: panelPadding(m, 40), duration: 2500 });
  }, [focus, info.data?.bounds]);

  if (info.error || style.error) return <div className="center-message wall-root">{t("map.error")}</div>;
  if (!info.data || !style.data) return <div className="center-message wall-root" data-testid="map-loading">{t("map.loading")}</div>;
  const b = info.data.bounds;
  const focusName = focus ? (locale === "en" ? focus.nameEn : focus.nameZh) : t("wall.cityWide");
  return (
    <div className="wall-root" data-testid="wall" data-step={step} data-layers={cur.layers.join(",")} data-focus={focus?.id ?? "city"}>
      <header className="wall-title">
        <h1>
          {t("app.title")} · {locale === "en" ? info.data.nameEn : info.data.nameZh}
        </h1>
        <span className="wall-focus" data-testid="wall-focus">
          {focusName} · {cur.layers.map((l) => t(`layer.${l}`)).join(" + ")}
        </span>
        <span className="wall-clock">{new Date(clock).toLocaleTimeString(locale, { hour12: false })}</span>
      </header>
      <aside className="wall-side">
        <KpiStrip kpis={kpis.data} loading={kpis.isFetching} error={!!kpis.error} large only={["speed", "congestion", "corridors"]} />
      </aside>
      <div className="wall-map">
        <MapView
          style={style.data}
          bounds={b}
          maxBounds={[b[0] - 0.3, b[1] - 0.3, b[2] + 0.3, b[3] + 0.3]}
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
      <aside className="wall-side">
        <KpiStrip kpis={kpis.data} loading={kpis.isFetching} error={!!kpis.error} large only={["load", "reserve", "incidents"]} />
        <Legend active={visible} coverage="police" onCoverage={() => {}} />
      </aside>
      <footer className="wall-bottom">
        <span>
          <span className={data.live.state === "live" ? "status-dot live" : "status-dot"} />
          {data.live.state === "live" ? t("map.live") : t("map.connecting")}
        </span>
        {data.live.lastUpdate ? (
          <span>
            {t("map.lastUpdate")}: {new Date(data.live.lastUpdate).toLocaleTimeString(locale, { hour12: false })}
          </span>
        ) : null}
        <span>
          {(data.traffic.values?.count ?? 0).toLocaleString(locale)} {t("map.sensors")}
        </span>
        <a href="/" style={{ marginLeft: "auto", color: "var(--muted)" }}>
          {t("wall.exit")}
        </a>
      </footer>
    </div>
  );
}
