import { ScatterplotLayer } from "@deck.gl/layers";
import type { PointData } from "./binary";
import type { RGBA } from "./traffic-colors";
import type { LayerSettings } from "./traffic-layers";

/** The selected feature's index among `ids`, for deck.gl's highlightedObjectIndex (null: not among them). */
export function selectedIndex(ids: readonly string[], s: LayerSettings): number | null {
  const i = s.selectedId ? ids.indexOf(s.selectedId) : -1;
  return i >= 0 ? i : null;
}

/** How a layer keeps its geometry when only values change (dataComparator, updateTriggers). */
export type KeepGeometry = { dataComparator: (a: unknown, b: unknown) => boolean; updateTriggers: Record<string, unknown> };

/** Size and outline of point symbols: a radius in pixels (`getRadius`, times `radiusScale`), an outline `lineWidth` pixels wide. */
export type PointStyle = { radiusScale?: number; getRadius?: number; lineColor: RGBA; lineWidth: number; highlightAlpha: number; visible?: boolean };

/**
 * A layer of pickable point symbols (positions and fills in `data`'s binary attributes) sized in
 * pixels with an outline, the selected one among `ids` highlighted; visible with the view
 * unless `style.visible` says otherwise.
 */
export function outlinedPointLayer(id: string, data: PointData, ids: readonly string[], s: LayerSettings, keep: KeepGeometry, style: PointStyle) {
  return new ScatterplotLayer({
    id,
    data,
    ...keep,
    visible: style.visible ?? s.visible,
    radiusUnits: "pixels",
    ...(style.radiusScale !== undefined ? { radiusScale: style.radiusScale } : {}),
    ...(style.getRadius !== undefined ? { getRadius: style.getRadius } : {}),
    stroked: true,
    getLineColor: style.lineColor,
    lineWidthMinPixels: style.lineWidth,
    pickable: true,
    highlightedObjectIndex: selectedIndex(ids, s),
    highlightColor: [255, 255, 255, style.highlightAlpha],
  });
}
