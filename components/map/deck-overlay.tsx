"use client";
import type { MutableRefObject } from "react";
import { useControl } from "react-map-gl/maplibre";
import { MapboxOverlay, type MapboxOverlayProps } from "@deck.gl/mapbox";

/** deck.gl attached to MapLibre as a control, drawing into MapLibre's own WebGL context. */
export function DeckOverlay(props: MapboxOverlayProps & { overlayRef?: MutableRefObject<MapboxOverlay | null> }) {
  const { overlayRef, ...rest } = props;
  const overlay = useControl<MapboxOverlay>(() => new MapboxOverlay({ ...rest, interleaved: true }));
  overlay.setProps({ ...rest, interleaved: true });
  if (overlayRef) overlayRef.current = overlay;
  return null;
}
