"use client";
import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import MapGL, { NavigationControl, ScaleControl } from "react-map-gl/maplibre";
import type { StyleSpecification } from "maplibre-gl";
import { DeckOverlay } from "./deck-overlay";
import { trafficLayers, type LabelFeature, type SensorFeature } from "./traffic-layers";
import { getJson, useLiveTraffic } from "./use-live-traffic";
import { Legend } from "./legend";
import { LiveStatus } from "./live-status";
import { useI18n } from "../i18n/i18n-provider";

type CityInfo = { center: [number, number]; bounds: [number, number, number, number]; zoom: number };

/** The full-screen city map: MapLibre base built from the city model, deck.gl traffic on top. */
export default function CityMap() {
  const { locale, t } = useI18n();
  const info = useQuery({ queryKey: ["city-info"], queryFn: () => getJson<CityInfo>("/api/city"), staleTime: Infinity });
  const style = useQuery({
    queryKey: ["city-style", "dark"],
    queryFn: () => getJson<StyleSpecification>("/api/city/style?theme=dark"),
    staleTime: Infinity,
  });
  const sensors = useQuery({
    queryKey: ["traffic-sensors"],
    queryFn: () => getJson<{ sensors: SensorFeature[] }>("/api/traffic/sensors"),
    staleTime: Infinity,
  });
  const labels = useQuery({
    queryKey: ["city-labels", locale],
    queryFn: () => getJson<{ labels: LabelFeature[] }>(`/api/city/labels?lang=${locale}`),
    staleTime: Infinity,
  });
  const live = useLiveTraffic();
  const [zoom, setZoom] = useState(12);

  // Labels appear from their suggested zoom; the list only changes at whole zoom steps.
  const zoomStep = Math.floor(zoom * 2) / 2;
  const visibleLabels = useMemo(() => (labels.data?.labels ?? []).filter((l) => zoomStep >= l.minZoom), [labels.data, zoomStep]);
  const layers = useMemo(
    () =>
      trafficLayers({
        sensors: sensors.data?.sensors ?? [],
        labels: visibleLabels,
        ratioOf: (id) => live.values.get(id)?.ratio,
        version: live.version,
        zoom,
      }),
    [sensors.data, visibleLabels, live.values, live.version, zoom],
  );

  if (info.error || style.error) return <div className="center-message">{t("map.error")}</div>;
  if (!info.data || !style.data) return <div className="center-message" data-testid="map-loading">{t("map.loading")}</div>;

  return (
    <div className="map-root" data-testid="city-map" data-live-version={live.version}>
      <MapGL
        initialViewState={{
          bounds: [info.data.bounds[0], info.data.bounds[1], info.data.bounds[2], info.data.bounds[3]],
          fitBoundsOptions: { padding: 48 },
        }}
        mapStyle={style.data}
        style={{ position: "absolute", inset: 0 }}
        onZoom={(e) => setZoom(e.viewState.zoom)}
        maxBounds={[info.data.bounds[0] - 0.3, info.data.bounds[1] - 0.3, info.data.bounds[2] + 0.3, info.data.bounds[3] + 0.3]}
        attributionControl={false}
        localIdeographFontFamily='"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
      >
        <DeckOverlay
          layers={layers}
          onAfterRender={() => {
            // Time from navigation start to the first frame that draws the traffic sensors,
            // for bench:start and e2e (performance.now() counts from navigation start).
            if (sensors.data && live.values.size > 0 && document.body.dataset.firstFrameMs === undefined) {
              document.body.dataset.firstFrameMs = String(Math.round(performance.now()));
            }
          }}
        />
        <NavigationControl position="top-right" />
        <ScaleControl position="bottom-right" />
      </MapGL>
      <LiveStatus state={live.state} lastUpdate={live.lastUpdate} sensorCount={sensors.data?.sensors.length ?? 0} valueCount={live.values.size} />
      <Legend />
    </div>
  );
}
