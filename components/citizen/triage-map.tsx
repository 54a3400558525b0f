"use client";
// The triage queue's reports on the city's own base style (/api/city/style, no outside tiles):
// one circle per report at its exact point, coloured by status; a tap selects the report.
import { useMemo, useRef } from "react";
import { useQuery } from "@tanstack/react-query";
import MapGL, { AttributionControl, Layer, NavigationControl, Source, type MapLayerMouseEvent } from "react-map-gl/maplibre";
import { isImportedCity } from "@/lib/city/imported";
import { circlesBounds } from "@/lib/grants/area";
import { cityInfoQuery, cityStyleQuery } from "../map/map-queries";
import { useI18n } from "../i18n/i18n-provider";
import styles from "../map-picker/map-picker.module.css";

export type TriagePoint = { id: string; status: string; exact: [number, number] };

export const STATUS_COLOURS: Record<string, string> = { submitted: "#38bdf8", assigned: "#a78bfa", confirmed: "#f97316", resolved: "#22c55e", rejected: "#64748b", merged: "#94a3b8" };

export function TriageMap({ reports, selected, onSelect }: { reports: TriagePoint[]; selected: string | null; onSelect: (id: string) => void }) {
  const { t } = useI18n();
  const info = useQuery(cityInfoQuery());
  const style = useQuery(cityStyleQuery("dark"));
  const data = useMemo(
    () => ({
      type: "FeatureCollection" as const,
      features: reports.map((r) => ({ type: "Feature" as const, properties: { id: r.id, colour: STATUS_COLOURS[r.status] ?? "#e2e8f0", selected: r.id === selected ? 1 : 0 }, geometry: { type: "Point" as const, coordinates: r.exact } })),
    }),
    [reports, selected],
  );
  // The first view: around the reports, else the whole city. Later changes do not move the map.
  const start = useRef<[number, number, number, number] | null>(null);
  if (!start.current && info.data) start.current = circlesBounds(reports.map((r) => ({ lon: r.exact[0], lat: r.exact[1], radiusM: 400 }))) ?? info.data.bounds;
  const click = (e: MapLayerMouseEvent) => {
    const id = e.features?.[0]?.properties?.id;
    if (typeof id === "string") onSelect(id);
  };
  return (
    <div className={styles.map} style={{ height: 300 }} data-testid="triage-map" data-count={reports.length}>
      {style.data && start.current ? (
        <MapGL
          initialViewState={{ bounds: start.current, fitBoundsOptions: { padding: 32, maxZoom: 16 } }}
          mapStyle={style.data}
          style={{ position: "absolute", inset: 0 }}
          attributionControl={false}
          scrollZoom={false}
          interactiveLayerIds={["triage-reports"]}
          onClick={click}
          localIdeographFontFamily='"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
        >
          <NavigationControl position="top-right" showCompass={false} />
          {info.data && isImportedCity(info.data) ? <AttributionControl position="bottom-left" compact={false} customAttribution={t("map.osmCredit")} /> : null}
          <Source id="triage" type="geojson" data={data}>
            <Layer
              id="triage-reports"
              type="circle"
              paint={{
                "circle-color": ["get", "colour"],
                "circle-radius": ["case", ["==", ["get", "selected"], 1], 10, 7],
                "circle-stroke-color": ["case", ["==", ["get", "selected"], 1], "#ffffff", "#020617"],
                "circle-stroke-width": 2,
              }}
            />
          </Source>
        </MapGL>
      ) : (
        <p className={styles.loading}>{style.error || info.error ? t("mapPicker.unavailable") : t("admin.loading")}</p>
      )}
    </div>
  );
}
