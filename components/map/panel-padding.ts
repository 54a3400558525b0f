import type { Map as MapLibreMap } from "maplibre-gl";

export type Rect = { left: number; top: number; right: number; bottom: number };
export type Padding = { top: number; right: number; bottom: number; left: number };

/**
 * What lies over the map: the console's panels (`.map-overlay`, the tools, anything marked
 * `data-map-panel`) and MapLibre's controls. The wall's map runs under none of its panels
 * (components/map/wall.module.css).
 */
export const PANEL_SELECTOR = ".map-overlay, .map-tools, [data-map-panel], .maplibregl-ctrl-group";

/**
 * The padding that keeps a fitted or flown-to view clear of the panels over the map: the
 * largest rectangle of the map that no panel overlaps (its sides taken from the map's and
 * the panels' edges), as distances from the map's edges, plus `margin`. A column of panels
 * down the left side leaves the map to its right, the KPI strip the map below it, the time
 * slider the map above it. When the panels would leave less than `minClear` pixels across
 * or down, each side is scaled down to leave that much. Requires a positive map size.
 */
export function paddingFor(map: Rect, panels: readonly Rect[], margin = 24, minClear = 120): Padding {
  const w = map.right - map.left, h = map.bottom - map.top;
  if (!(w > 0 && h > 0)) throw new Error(`paddingFor: map of ${w}×${h} px, want a positive size`);
  // Panels relative to the map, clipped to it; those outside it take no room.
  const obs = panels
    .map((r) => ({ x0: Math.max(0, r.left - map.left), x1: Math.min(w, r.right - map.left), y0: Math.max(0, r.top - map.top), y1: Math.min(h, r.bottom - map.top) }))
    .filter((r) => r.x1 > r.x0 && r.y1 > r.y0);
  const xs0 = [0, ...obs.map((r) => r.x1)], xs1 = [w, ...obs.map((r) => r.x0)];
  const ys0 = [0, ...obs.map((r) => r.y1)], ys1 = [h, ...obs.map((r) => r.y0)];
  let best = { x0: 0, x1: w, y0: 0, y1: h }, bestArea = obs.length ? -1 : w * h;
  if (obs.length) {
    for (const x0 of xs0)
      for (const x1 of xs1) {
        if (x1 <= x0 || (x1 - x0) * h <= bestArea) continue;
        for (const y0 of ys0)
          for (const y1 of ys1) {
            const area = (x1 - x0) * (y1 - y0);
            if (y1 <= y0 || area <= bestArea) continue;
            if (obs.some((r) => r.x0 < x1 && x0 < r.x1 && r.y0 < y1 && y0 < r.y1)) continue;
            best = { x0, x1, y0, y1 };
            bestArea = area;
          }
      }
  }
  const out: Padding = { top: best.y0 + margin, right: w - best.x1 + margin, bottom: h - best.y1 + margin, left: best.x0 + margin };
  const fit = (a: keyof Padding, b: keyof Padding, size: number) => {
    const room = size - out[a] - out[b];
    if (room >= minClear) return;
    const k = Math.max(0, size - minClear) / (out[a] + out[b]);
    out[a] = Math.floor(out[a] * k);
    out[b] = Math.floor(out[b] * k);
  };
  fit("left", "right", w);
  fit("top", "bottom", h);
  return out;
}

const rectOf = (r: DOMRect): Rect => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom });

/** The padding keeping views clear of the panels now over this map (see paddingFor). */
export function panelPadding(map: MapLibreMap, margin = 24): Padding {
  const container = map.getContainer();
  const root = container.closest(".map-root, .wall-root") ?? container.parentElement ?? container;
  const panels = [...root.querySelectorAll<HTMLElement>(PANEL_SELECTOR)]
    .filter((el) => el.offsetParent !== null || getComputedStyle(el).position === "fixed")
    .map((el) => rectOf(el.getBoundingClientRect()));
  const box = container.getBoundingClientRect();
  if (!(box.width > 0 && box.height > 0)) return { top: margin, right: margin, bottom: margin, left: margin };
  return paddingFor(rectOf(box), panels, margin);
}

/** Fits bounds inside the part of the map no panel covers. */
export function fitClear(map: MapLibreMap, bounds: [number, number, number, number], opts: { duration?: number; margin?: number } = {}) {
  map.fitBounds(bounds, { padding: panelPadding(map, opts.margin ?? 24), duration: opts.duration ?? 0 });
}

/**
 * Whether a point shows clear of every panel (inside the padded part of the map), and if
 * not, moves the map so it does, at the current zoom or `zoom`. Returns whether it moved.
 */
export function keepClear(map: MapLibreMap, lonLat: [number, number], opts: { zoom?: number; duration?: number } = {}): boolean {
  const pad = panelPadding(map);
  const c = map.getContainer();
  const p = map.project(lonLat);
  const inside = p.x >= pad.left && p.x <= c.clientWidth - pad.right && p.y >= pad.top && p.y <= c.clientHeight - pad.bottom;
  if (inside && (opts.zoom === undefined || map.getZoom() >= opts.zoom)) return false;
  // A degenerate box fitted with the padding puts the point in the middle of the clear part,
  // at maxZoom; unlike flyTo's padding, fitBounds's does not stay on the map.
  map.fitBounds([lonLat[0], lonLat[1], lonLat[0], lonLat[1]], { padding: pad, maxZoom: Math.max(map.getZoom(), opts.zoom ?? 0), duration: opts.duration ?? 600 });
  return true;
}
