"use client";
import { useEffect, useRef } from "react";
import MapGL, { AttributionControl, NavigationControl, ScaleControl, type MapRef } from "react-map-gl/maplibre";
import type { StyleSpecification, Map as MapLibreMap } from "maplibre-gl";

/**
 * MapLibre's module, asked for when this file loads (react-map-gl would ask only when the map
 * mounts, once the style has arrived): its download runs beside the map's first requests.
 */
const MAPLIBRE = typeof window === "undefined" ? undefined : import("maplibre-gl");
import type { Layer, PickingInfo } from "@deck.gl/core";
import type { MapboxOverlay } from "@deck.gl/mapbox";
import { DeckOverlay, pickAt } from "./deck-overlay";
import { fitClear } from "./panel-padding";

export type Bounds = [number, number, number, number];

/**
 * MapLibre with the city's own base style, and deck.gl drawn interleaved into the same
 * WebGL context (MapboxOverlay as a map control). The map stays usable while layer data
 * loads: layers appear as their data arrives. The city is fitted clear of the panels over
 * the map (components/map/panel-padding.ts).
 */
export function MapView(props: {
  style: StyleSpecification;
  bounds: Bounds;
  maxBounds: Bounds;
  initialBounds?: Bounds | null;
  layers: Layer[];
  /** A click on the map, with what deck.gl picked there (null: nothing). */
  onClick?: (info: PickingInfo | null) => void;
  onZoom?: (zoom: number) => void;
  onMoveEnd?: (bounds: Bounds, zoom: number) => void;
  onMap?: (map: MapLibreMap | null) => void;
  onAfterRender?: () => void;
  /** The map has loaded and made its first fit (clear of the panels): it may be moved now. */
  onReady?: (map: MapLibreMap) => void;
  controls?: boolean;
  interactive?: boolean;
  /**
   * Drawing-buffer pixels per CSS pixel, from the map's creation (default: the device's). deck.gl
   * draws into MapLibre's context with the drawing-buffer size it found when it attached: a ratio
   * set later by map.setPixelRatio left deck.gl's layers drawn into a corner of a larger buffer
   * (the 3840×2160 wall). deck.gl's maintainers name this option as the way (visgl/deck.gl#10509).
   */
  pixelRatio?: number;
  /** Credit of the city's data (an imported city: © OpenStreetMap contributors, ODbL), shown whatever the controls. */
  credit?: string | null;
}) {
  const ref = useRef<MapRef>(null);
  const overlay = useRef<MapboxOverlay | null>(null);
  const onMap = props.onMap;
  useEffect(() => {
    const m = ref.current?.getMap() ?? null;
    onMap?.(m);
    return () => onMap?.(null);
  }, [onMap]);
  // The starting zoom, known once the map exists (it fits the bounds when created; a fit fires
  // no zoom event): labels and details by zoom are right from the first frame.
  const onZoomRef = useRef(props.onZoom);
  onZoomRef.current = props.onZoom;
  useEffect(() => {
    const m = ref.current?.getMap();
    if (m) onZoomRef.current?.(m.getZoom());
  }, []);
  const start = props.initialBounds ?? props.bounds;
  return (
    <MapGL
      ref={ref}
      initialViewState={{ bounds: start, fitBoundsOptions: { padding: props.initialBounds ? 0 : 48 } }}
      mapLib={MAPLIBRE}
      pixelRatio={props.pixelRatio}
      mapStyle={props.style}
      style={{ position: "absolute", inset: 0 }}
      onZoom={(e) => props.onZoom?.(e.viewState.zoom)}
      onMoveEnd={(e) => {
        const b = e.target.getBounds();
        props.onMoveEnd?.([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], e.viewState.zoom);
      }}
      onLoad={(e) => {
        onMap?.(e.target);
        // The city fitted into the part of the map the panels leave clear (they exist now; the
        // view state above was computed before they did). A view from the URL stays as it was.
        if (!props.initialBounds) fitClear(e.target, props.bounds);
        props.onZoom?.(e.target.getZoom());
        props.onReady?.(e.target);
      }}
      // Picks on MapLibre's own click (the same event that pans and zooms), within 5 px; the
      // only pick deck.gl makes (no hover or pointer-down picking: see DeckOverlay).
      onClick={(e) => props.onClick?.(overlay.current ? pickAt(overlay.current, e.point.x, e.point.y) : null)}
      maxBounds={props.maxBounds}
      attributionControl={false}
      interactive={props.interactive ?? true}
      localIdeographFontFamily='"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif'
    >
      <DeckOverlay
        overlayRef={overlay}
        layers={props.layers}
        getCursor={({ isDragging }) => (isDragging ? "grabbing" : "grab")}
        onAfterRender={props.onAfterRender}
      />
      {props.credit ? <AttributionControl position="bottom-left" compact={false} customAttribution={props.credit} /> : null}
      {props.controls === false ? null : (
        <>
          <NavigationControl position="top-right" />
          <ScaleControl position="bottom-right" />
        </>
      )}
    </MapGL>
  );
}
