"use client";
import type { MutableRefObject } from "react";
import { useControl } from "react-map-gl/maplibre";
import { MapboxOverlay, type MapboxOverlayProps } from "@deck.gl/mapbox";
import type { PickingInfo } from "@deck.gl/core";

/**
 * deck.gl attached to MapLibre as a control, drawing into MapLibre's own WebGL context.
 *
 * Picking is off (`_pickable: false`) except for the one pick a click asks for (`pickAt`).
 * With it on, deck.gl draws every pickable layer into its picking buffer and reads the pixel
 * back on each pointer-down and each pointer move (hover): a pipeline stall per event that, on
 * a software renderer (SwiftShader), cost seconds per drag start and made panning a slide show.
 */
export function DeckOverlay(props: MapboxOverlayProps & { overlayRef?: MutableRefObject<MapboxOverlay | null> }) {
  const { overlayRef, ...rest } = props;
  const overlay = useControl<MapboxOverlay>(() => new MapboxOverlay({ ...rest, interleaved: true, _pickable: false }));
  overlay.setProps({ ...rest, interleaved: true, _pickable: false });
  if (overlayRef) overlayRef.current = overlay;
  return null;
}

/** The object under a screen point (within `radius` px), picking just this once. */
export function pickAt(overlay: MapboxOverlay, x: number, y: number, radius = 5): PickingInfo | null {
  overlay.setProps({ _pickable: true });
  try {
    return overlay.pickObject({ x, y, radius });
  } finally {
    overlay.setProps({ _pickable: false });
  }
}
