"use client";
import { useMemo, useRef } from "react";
import { useQuery } from "@tanstack/react-query";
import MapGL, { AttributionControl, Layer, Marker, NavigationControl, Source, type MapRef } from "react-map-gl/maplibre";
import { isImportedCity } from "@/lib/city/imported";
import { cityInfoQuery, cityStyleQuery } from "../map/map-queries";
import { useI18n } from "../i18n/i18n-provider";
import { circleRing, circlesBounds, distanceM, offsetM, type Circle, type LonLat } from "@/lib/grants/area";
import styles from "./map-picker.module.css";

export type { Circle, LonLat };

type Common = {
  /** Circles drawn for reference, dashed and not editable (e.g. the requested area under the approved one). */
  reference?: Circle | null;
  /** What the dashed reference circle is, in words (shown under the map). */
  referenceLabel?: string;
  height?: number;
  testId?: string;
};
/**
 * "point": a click places the point (a device's location); "circle": a click places the
 * centre, the radius is typed or set by dragging the handle on the circle's east edge.
 * Without onChange the picker only shows its value (a grant's area in its history).
 */
export type MapPickerProps = Common &
  (
    | { mode: "point"; value: LonLat | null; onChange?: (v: LonLat) => void }
    | { mode: "circle"; value: Circle | null; onChange?: (v: Circle) => void; defaultRadiusM?: number; maxRadiusM?: number }
  );

const r6 = (v: number) => Math.round(v * 1e6) / 1e6;
const ring = (c: Circle) => ({ type: "Feature" as const, properties: {}, geometry: { type: "Polygon" as const, coordinates: [circleRing(c)] } });

/**
 * A small MapLibre map on the city's own base style (/api/city/style, no outside tiles) to
 * pick a point or a circle, returning {lon, lat} or {lon, lat, radiusM} (coordinates rounded
 * to 6 decimals, about 0.1 m; the radius to whole metres).
 */
export function MapPicker(props: MapPickerProps) {
  const { t, locale } = useI18n();
  const info = useQuery(cityInfoQuery());
  const style = useQuery(cityStyleQuery("dark"));
  const ref = useRef<MapRef>(null);
  const editable = !!props.onChange;
  const value = props.value;
  const circle = props.mode === "circle" ? props.value : null;
  const reference = props.reference ?? null;
  // The first view: the circles shown, else the city. Later changes do not move the map under the user's hand.
  const start = useRef<[number, number, number, number] | null>(null);
  if (!start.current && info.data) {
    const shown = [circle, reference].filter((c): c is Circle => !!c);
    start.current = circlesBounds(shown) ?? (value ? circlesBounds([{ ...value, radiusM: 1500 }]) : null) ?? info.data.bounds;
  }
  const shapes = useMemo(() => ({ type: "FeatureCollection" as const, features: circle ? [ring(circle)] : [] }), [circle]);
  const refShape = useMemo(() => ({ type: "FeatureCollection" as const, features: reference ? [ring(reference)] : [] }), [reference]);

  const place = (p: LonLat) => {
    const at = { lon: r6(p.lon), lat: r6(p.lat) };
    if (props.mode === "point") props.onChange?.(at);
    else props.onChange?.({ ...at, radiusM: props.value?.radiusM ?? props.defaultRadiusM ?? 1000 });
  };
  const setRadius = (m: number) => {
    if (props.mode !== "circle" || !props.value || !Number.isFinite(m)) return;
    const max = props.maxRadiusM ?? 50_000;
    props.onChange?.({ ...props.value, radiusM: Math.max(1, Math.min(max, Math.round(m))) });
  };
  const handle = circle ? offsetM(circle, circle.radiusM, 0) : null;
  const h = props.height ?? 280;

  return (
    <div className={styles.picker} data-testid={props.testId ?? "map-picker"} data-mode={props.mode} data-value={value ? JSON.stringify(value) : ""}>
      <div className={styles.map} style={{ height: h }}>
        {style.data && start.current ? (
          <MapGL
            ref={ref}
            initialViewState={{ bounds: start.current, fitBoundsOptions: { padding: 24 } }}
            mapStyle={style.data}
            style={{ position: "absolute", inset: 0 }}
            attributionControl={false}
            scrollZoom={false}
            cursor={editable ? "crosshair" : "grab"}
            onClick={(e) => editable && place({ lon: e.lngLat.lng, lat: e.lngLat.lat })}
            localIdeographFontFamily='"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
          >
            <NavigationControl position="top-right" showCompass={false} />
            {info.data && isImportedCity(info.data) ? <AttributionControl position="bottom-left" compact={false} customAttribution={t("map.osmCredit")} /> : null}
            <Source id="reference" type="geojson" data={refShape}>
              <Layer id="reference-line" type="line" paint={{ "line-color": "#fbbf24", "line-width": 2, "line-dasharray": [2, 2] }} />
            </Source>
            <Source id="circle" type="geojson" data={shapes}>
              <Layer id="circle-fill" type="fill" paint={{ "fill-color": "#38bdf8", "fill-opacity": 0.18 }} />
              <Layer id="circle-line" type="line" paint={{ "line-color": "#38bdf8", "line-width": 2 }} />
            </Source>
            {value && (
              <Marker
                longitude={value.lon}
                latitude={value.lat}
                draggable={editable}
                onDragEnd={(e) => place({ lon: e.lngLat.lng, lat: e.lngLat.lat })}
              >
                <span className={styles.centre} data-testid="map-picker-centre" />
              </Marker>
            )}
            {editable && circle && handle && (
              <Marker
                longitude={handle.lon}
                latitude={handle.lat}
                draggable
                onDrag={(e) => setRadius(distanceM(circle, { lon: e.lngLat.lng, lat: e.lngLat.lat }))}
                onDragEnd={(e) => setRadius(distanceM(circle, { lon: e.lngLat.lng, lat: e.lngLat.lat }))}
              >
                <span className={styles.handle} title={t("mapPicker.dragRadius")} data-testid="map-picker-handle" />
              </Marker>
            )}
          </MapGL>
        ) : (
          <p className={styles.loading}>{style.error || info.error ? t("mapPicker.unavailable") : t("admin.loading")}</p>
        )}
      </div>
      <div className={styles.bar}>
        {editable && !value && <span className={styles.hint}>{t(props.mode === "point" ? "mapPicker.hintPoint" : "mapPicker.hintCircle")}</span>}
        {value && (
          <span className={styles.coords} data-testid="map-picker-coords">
            {value.lat.toFixed(5)}, {value.lon.toFixed(5)}
          </span>
        )}
        {props.mode === "circle" && props.value && (
          editable ? (
            <label className={styles.radius}>
              {t("mapPicker.radius")}
              <input
                type="number"
                min={1}
                step="any"
                value={props.value.radiusM}
                onChange={(e) => setRadius(Number(e.target.value))}
                data-testid="map-picker-radius"
              />
            </label>
          ) : (
            <span className={styles.coords}>
              {t("mapPicker.radius")} {Math.round(props.value.radiusM).toLocaleString(locale)} m
            </span>
          )
        )}
        {reference && props.referenceLabel && <span className={styles.refKey}>{props.referenceLabel}</span>}
      </div>
    </div>
  );
}
