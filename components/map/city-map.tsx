"use client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { IntentLink } from "../layout/intent-link";
import { useSearchParams } from "next/navigation";
import { useQuery } from "@tanstack/react-query";
import type { Map as MapLibreMap } from "maplibre-gl";
import { MAP_LAYERS, type MapLayerId } from "@/lib/api/map-specs";
import { useI18n } from "../i18n/i18n-provider";
import { cityInfoQuery, cityLabelsQuery, cityStyleQuery, featureQuery, mapLayersQuery } from "./map-queries";
import { isImportedCity } from "@/lib/city/imported";
import { MapView, type Bounds } from "./map-view";
import { useMapData, type TimeMode } from "./use-map-data";
import { useDeckLayers } from "./use-deck-layers";
import { LayerPanel } from "./layer-panel";
import { Legend } from "./legend";
import { LiveStatus } from "./live-status";
import { KpiStrip, useKpis } from "./kpi-strip";
import { FeaturePanel } from "./feature-panel";
import { TimeSlider } from "./time-slider";
import { download, mapPng } from "./export-png";
import type { LabelFeature } from "./label-layers";
import { parseMapUrl, REPLAY_SPAN_MS, serializeMapUrl, type MapUrlState } from "./url-state";
// Issue 15 operations: alarm list, search, hover tooltips, access requests, export contents.
import { AlarmList } from "./alarm-list";
import { flyToTarget, MapSearch } from "./map-search";
import { DeckTooltipContext } from "./deck-overlay";
import { RequestAccess } from "./request-access";
import { exportCaption, exportFileName } from "./export-png";
import { keepClear } from "./panel-padding";
import { reportFeatureId, type CitizenValues } from "./citizen-layers";
import type { CitizenFeatures } from "@/lib/api/map-specs";
import type { LayerData } from "./use-map-data";

/** The citizen layer's report a selection names, with its category, when the layer has it (its facts come from the layer's own answer). */
function selectedReport(sel: string, d: LayerData<CitizenFeatures, CitizenValues>) {
  const r = d.values?.reports.find((x) => reportFeatureId(x.id) === sel);
  if (!r) return undefined;
  return { ...r, category: d.features?.categories.find((c) => c.code === r.serviceCode), at: d.values!.at };
}

const FIVE_MIN = 300_000;
const NO_LABELS: LabelFeature[] = [];
const KPI_STEP_MS = 15 * 60_000;

/** The replay window: the last 24 hours in whole 5-minute buckets, fixed while replaying. */
export function replayWindow(now: number) {
  const to = Math.ceil(now / FIVE_MIN) * FIVE_MIN;
  return { from: new Date(to - REPLAY_SPAN_MS).toISOString(), to: new Date(to).toISOString() };
}

/** Station glyphs drawn on the safety layer, in the UI language. */
export function stationGlyphs(locale: string): Record<string, string> {
  return locale === "en" ? { "police-bureau": "P", "police-station": "P", "fire-station": "F" } : { "police-bureau": "警", "police-station": "警", "fire-station": "消" };
}

/**
 * The console's main screen: the city map with traffic, energy and public safety layers,
 * the KPI strip, a legend, the feature panel, the 24-hour replay slider and PNG export.
 * The view (layers, time, bounds, selection) lives in the URL.
 */
export default function CityMap() {
  const { locale, t } = useI18n();
  const [url, setUrl] = useState<MapUrlState>(() => parseMapUrl(window.location.search));
  const info = useQuery(cityInfoQuery());
  const style = useQuery(cityStyleQuery("dark"));
  const labels = useQuery(cityLabelsQuery(locale));
  const active = useMemo(() => new Set<MapLayerId>(url.layers), [url.layers]);

  // Time: live, or a moment of the last 24 hours (the window is fixed when replay starts).
  const [now, setNow] = useState(() => Date.now());
  const [win, setWin] = useState(() => replayWindow(Date.now()));
  useEffect(() => {
    if (url.t !== null) return;
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, [url.t]);
  const mode: TimeMode = useMemo(() => (url.t === null ? { live: true } : { live: false, t: url.t, from: win.from, to: win.to }), [url.t, win]);
  const [playing, setPlaying] = useState(false);

  const update = useCallback((patch: Partial<MapUrlState>) => setUrl((u) => ({ ...u, ...patch })), []);
  const seek = useCallback(
    (tm: number) => {
      if (url.t === null) {
        const n = Date.now();
        setNow(n);
        setWin(replayWindow(n));
      }
      update({ t: tm });
    },
    [url.t, update],
  );
  const goLive = useCallback(() => {
    setPlaying(false);
    setNow(Date.now());
    update({ t: null });
  }, [update]);

  // Playback: advance by `speed` simulated seconds per second; reaching now returns to live.
  const tRef = useRef(url.t);
  tRef.current = url.t;
  useEffect(() => {
    if (!playing) return;
    let last = performance.now();
    let raf = 0;
    let acc = 0;
    const step = (ts: number) => {
      const dt = ts - last;
      last = ts;
      acc += dt;
      if (acc >= 100) {
        const cur = tRef.current ?? Date.now() - REPLAY_SPAN_MS;
        const next = cur + acc * url.speed;
        acc = 0;
        if (next >= Date.now()) {
          setPlaying(false);
          update({ t: null });
          return;
        }
        if (tRef.current === null) {
          const n = Date.now();
          setNow(n);
          setWin(replayWindow(n));
        }
        update({ t: next });
      }
      raf = requestAnimationFrame(step);
    };
    raf = requestAnimationFrame(step);
    return () => cancelAnimationFrame(raf);
  }, [playing, url.speed, update]);

  // The view in the URL (replaceState: no history entry per pan). Next's router may put its
  // own idea of the URL back (router.refresh on a language switch): search params tell.
  const search = useSearchParams();
  useEffect(() => {
    const want = serializeMapUrl(url);
    const h = setTimeout(() => {
      if (window.location.search !== want) window.history.replaceState(null, "", want);
    }, 250);
    return () => clearTimeout(h);
  }, [url, search]);

  const data = useMapData(active, mode);
  // The stream's access notes are the freshest (sent again when a grant changes); until it
  // answers (or while it reconnects) the layers' answer, asked again so it follows grants too.
  const mapLayers = useQuery({ ...mapLayersQuery(), refetchInterval: data.live.state === "live" && data.live.notes ? false : 15_000 });
  const notes = data.live.notes ?? mapLayers.data?.access;
  // Unknown until MapLibre reports it (when the map exists, and at its load); nothing is drawn
  // before. It used to start at 12, street zoom, which made the full-path street layers (and
  // their buffers and programs) at the first render even for a city fitted at zoom 10.
  const [zoom, setZoom] = useState<number | null>(null);
  const glyphs = useMemo(() => stationGlyphs(locale), [locale]);
  const { layers, pick, describe } = useDeckLayers(data, {
    active,
    zoom: zoom ?? 0,
    selectedId: url.sel,
    coverage: url.cov,
    labels: labels.data?.labels ?? NO_LABELS,
    glyphs,
    notes,
  });

  const kpiTo = url.t === null ? null : new Date(Math.floor(url.t / KPI_STEP_MS) * KPI_STEP_MS).toISOString();
  // In replay the moment's KPIs are asked for once its frames are in: asked for together, they
  // shared the server's one database connection and the map waited for both.
  const kpis = useKpis(kpiTo, url.t === null || data.replayReady);

  const mapRef = useRef<MapLibreMap | null>(null);
  const onMap = useCallback((m: MapLibreMap | null) => {
    mapRef.current = m;
    // For tests and benchmarks (project a feature to the screen, pan and zoom).
    (window as unknown as { cityBrainMap?: MapLibreMap }).cityBrainMap = m ?? undefined;
  }, []);
  // The selected feature (clicked, or chosen from a link or a list) is moved clear of the
  // panels once its position is known, the feature panel included.
  const [ready, setReady] = useState(false);
  const onReady = useCallback(() => {
    // When MapLibre's base map had loaded (its style, sources, tiles and glyphs), for bench:map.
    // deck.gl's first frame of data can come before it: the map draws before it has loaded all.
    if (document.body.dataset.mapLoadedMs === undefined) document.body.dataset.mapLoadedMs = String(Math.round(performance.now()));
    setReady(true);
  }, []);
  const selTo = url.t === null ? null : new Date(Math.floor(url.t / FIVE_MIN) * FIVE_MIN).toISOString();
  // A citizen report (id "citizen-…") has no feature details: its facts and position come from the citizen layer's answer.
  const selectedCitizen = url.sel?.startsWith("citizen-") ?? false;
  const selected = useQuery({ ...featureQuery(url.sel ?? "", selTo), enabled: url.sel !== null && !selectedCitizen });
  const report = url.sel ? selectedReport(url.sel, data.citizen) : undefined;
  const selPos = selected.data && selected.data.id === url.sel ? selected.data.position : (report?.position ?? null);
  const cleared = useRef<string | null>(null);
  // For tests: the selection last made clear, and whether the map had to move for it.
  const [clearedSel, setClearedSel] = useState("");
  useEffect(() => {
    const m = mapRef.current;
    const sel = url.sel;
    if (!sel) cleared.current = null;
    if (!ready || !m || !sel || !selPos || cleared.current === sel) return;
    // After the feature panel has drawn: its rectangle counts. Marked done only when done (a
    // re-render before the frame cancels it, and the next run schedules it again).
    const raf = requestAnimationFrame(() => {
      cleared.current = sel;
      setClearedSel(`${sel}:${keepClear(m, selPos) ? "moved" : "clear"}`);
    });
    return () => cancelAnimationFrame(raf);
  }, [ready, url.sel, selPos]);
  const [exporting, setExporting] = useState(false);
  const [lastPick, setLastPick] = useState("");
  const exportPng = async () => {
    if (!mapRef.current) return;
    setExporting(true);
    try {
      const at = url.t ?? Date.now();
      const offset = info.data?.utcOffsetMinutes ?? 480;
      const blob = await mapPng(mapRef.current, exportCaption({ t, locale, city: locale === "en" ? info.data?.nameEn : info.data?.nameZh, layers: url.layers, live: url.t === null, at, utcOffsetMinutes: offset, notes }));
      download(blob, exportFileName({ at, utcOffsetMinutes: offset, live: url.t === null, layers: url.layers }));
    } finally {
      setExporting(false);
    }
  };

  if (info.error || style.error) return <div className="center-message" data-testid="map-error">{t("map.error")}</div>;
  if (!info.data || !style.data) return <div className="center-message" data-testid="map-loading">{t("map.loading")}</div>;
  const b = info.data.bounds;
  const toggle = (l: MapLayerId) => update({ layers: active.has(l) ? url.layers.filter((x) => x !== l) : MAP_LAYERS.filter((x) => x === l || active.has(x)) });
  const tv = data.traffic.values;
  // For tests: how many place labels the label layer holds (0 until the labels' answer is in).
  const placedLabels = (layers.find((l) => l.id === "place-labels")?.props.data as unknown[] | undefined)?.length ?? 0;

  return (
    <div
      className="map-root"
      data-testid="city-map"
      data-live-version={data.traffic.version}
      data-scoped-cells={data.scoped.reduce((n, c) => n + c.ids.length, 0)}
      data-layers={url.layers.join(",")}
      data-mode={url.t === null ? "live" : "replay"}
      data-frame={data.frameAt ?? ""}
      data-last-pick={lastPick}
      data-ready={ready ? "1" : "0"}
      data-zoom={zoom ?? ""}
      data-labels={placedLabels}
      data-cleared={clearedSel}
    >
      <DeckTooltipContext.Provider value={describe}>
      <MapView
        style={style.data}
        bounds={b}
        credit={isImportedCity(info.data) ? t("map.osmCredit") : null}
        maxBounds={[b[0] - 0.3, b[1] - 0.3, b[2] + 0.3, b[3] + 0.3]}
        initialBounds={url.bbox}
        layers={layers}
        onMap={onMap}
        onReady={onReady}
        onZoom={(z) => setZoom(Math.floor(z * 2) / 2)}
        onMoveEnd={(bounds: Bounds) => update({ bbox: bounds })}
        onClick={(infoPick) => {
          setLastPick(infoPick ? `${infoPick.layer?.id ?? "none"}:${infoPick.index}` : "none");
          update({ sel: infoPick ? pick(infoPick) : null });
        }}
        onAfterRender={() => {
          // Time from navigation start to the first frame that draws traffic values,
          // for bench:start, bench:map and e2e (performance.now() counts from navigation start).
          if (tv && tv.count > 0 && document.body.dataset.firstFrameMs === undefined) {
            document.body.dataset.firstFrameMs = String(Math.round(performance.now()));
          }
        }}
      />
      </DeckTooltipContext.Provider>
      {/* The KPI strip and the search box share one column, so the search sits under the strip
          whatever height the strip's tiles take (the corridors tile grows with its rows). */}
      <div className="map-top">
        <KpiStrip kpis={kpis.data} loading={kpis.loading} error={kpis.error} />
        <MapSearch
          onPick={(item) => {
            flyToTarget(mapRef.current, item);
            if (item.featureId) update({ sel: item.featureId });
          }}
        />
      </div>
      {/* One column: status and layers at the top, the legend at the bottom; when the layer panel
          explains hidden data the legend shrinks and scrolls instead of being overlapped. The
          column lets the map have the gap between them. */}
      <div className="map-left" style={{ bottom: 72, pointerEvents: "none", justifyContent: "space-between" }}>
        <div style={{ pointerEvents: "auto", flex: "0 0 auto", display: "flex", flexDirection: "column", gap: 8 }}>
          <LiveStatus state={data.live.state} lastUpdate={data.live.lastUpdate} replay={url.t !== null} sensorCount={data.traffic.features?.sensors.ids.length ?? 0} valueCount={tv?.count ?? 0} traffic={active.has("traffic")} />
          <LayerPanel active={active} onToggle={toggle} data={{ traffic: data.traffic, energy: data.energy, safety: data.safety, citizen: data.citizen }} notes={notes} replay={url.t !== null} at={url.t ?? now} />
          <RequestAccess notes={notes} active={active} />
        </div>
        <Legend active={active} coverage={url.cov} onCoverage={(cov) => update({ cov })} style={{ pointerEvents: "auto", flex: "0 1 auto", minHeight: 0, maxHeight: "none", maxWidth: "none", overflow: "auto" }} />
      </div>
      {url.sel ? <FeaturePanel id={url.sel} to={selTo} marker={url.t} onClose={() => update({ sel: null })} notes={notes} report={report} /> : null}
      <TimeSlider
        now={url.t === null ? now : Date.parse(win.to)}
        span={REPLAY_SPAN_MS}
        t={url.t}
        playing={playing}
        speed={url.speed}
        loading={[data.traffic, data.energy, data.safety, data.citizen].some((d) => d.loading)}
        error={[data.traffic, data.energy, data.safety, data.citizen].some((d) => !!d.valuesError)}
        onSeek={(tm) => {
          setPlaying(false);
          seek(tm);
        }}
        onPlay={(p) => {
          if (p && url.t === null) seek(Date.now() - REPLAY_SPAN_MS + 60_000);
          setPlaying(p);
        }}
        onSpeed={(speed) => update({ speed })}
        onLive={goLive}
      />
      <AlarmList
        shifted={!!url.sel}
        onSelect={(a) => {
          flyToTarget(mapRef.current, { position: a.position });
          update({ sel: a.id });
        }}
      />
      <div className="map-tools">
        <button onClick={exportPng} disabled={exporting} data-testid="export-png">
          {exporting ? t("tools.exporting") : t("tools.exportPng")}
        </button>
        <IntentLink href={`/wall?layers=${url.layers.join(",")}`} data-testid="wall-link">
          {t("tools.wall")}
        </IntentLink>
      </div>
    </div>
  );
}
