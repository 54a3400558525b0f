"use client";
import { useEffect, useRef } from "react";
import MapGL, { NavigationControl, ScaleControl, type MapRef } from "react-map-gl/maplibre";
import type { StyleSpecification, Map as MapLibreMap } from "maplibre-gl";
import type { Layer, PickingInfo } from "@deck.gl/core";
import type { MapboxOverlay } from "@deck.gl/mapbox";
import { DeckOverlay, pickAt } from "./deck-overlay";

export type Bounds = [number, number, number, number];

/**
 * MapLibre with the city's own base style, and deck.gl drawn interleaved into the same
 * WebGL context (MapboxOverlay as a map control). The map stays usable while layer data
 * loads: layers appear as their data arrives.
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
  controls?: boolean;
  interactive?: boolean;
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
      mapStyle={props.style}
      style={{ position: "absolute", inset: 0 }}
      onZoom={(e) => props.onZoom?.(e.viewState.zoom)}
      onMoveEnd={(e) => {
        const b = e.target.getBounds();
        props.onMoveEnd?.([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], e.viewState.zoom);
      }}
      onLoad={(e) => {
        onMap?.(e.target);
        props.onZoom?.(e.target.getZoom());
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
      {props.controls === false ? null : (
        <>
          <NavigationControl position="top-right" />
          <ScaleControl position="bottom-right" />
        </>
      )}
    </MapGL>
  );
}
