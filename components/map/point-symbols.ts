import type { RGBA } from "./traffic-colors";
import type { LayerSettings } from "./traffic-layers";

/** The selected feature's index among `ids`, for deck.gl's highlightedObjectIndex (null: not among them). */
export function selectedIndex(ids: readonly string[], s: LayerSettings): number | null {
  const i = s.selectedId ? ids.indexOf(s.selectedId) : -1;
  return i >= 0 ? i : null;
}

/**
 * ScatterplotLayer props of pickable point symbols sized in pixels with an outline
 * (`lineColor`, at least `lineWidth` pixels wide), the selected one among `ids` highlighted.
 */
export function outlinedPoints(ids: readonly string[], s: LayerSettings, outline: { lineColor: RGBA; lineWidth: number; highlightAlpha: number }) {
  return {
    radiusUnits: "pixels" as const,
    stroked: true,
    getLineColor: outline.lineColor,
    lineWidthMinPixels: outline.lineWidth,
    pickable: true,
    highlightedObjectIndex: selectedIndex(ids, s),
    highlightColor: [255, 255, 255, outline.highlightAlpha] as RGBA,
  };
}
