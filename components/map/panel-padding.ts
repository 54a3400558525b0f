import type { Map as MapLibreMap } from "maplibre-gl";

export type Rect = { left: number; top: number; right: number; bottom: number };
export type Padding = { top: number; right: number; bottom: number; left: number };

/**
 * What lies over the map: the console's panels (`.map-overlay`, the tools, anything marked
 * `data-map-panel`), MapLibre's controls, and the wall's panels.
 */
export const PANEL_SELECTOR = ".map-overlay, .map-tools, [data-map-panel], .maplibregl-ctrl-group, .wall-side, .wall-title, .wall-bottom";

/**
 * The padding that keeps a fitted or flown-to view clear of the panels over the map: each
 * panel that overlaps the map is pushed to the one side of the map that costs the least
 * room to keep clear of it (the left column: its right edge; the KPI strip: its bottom;
 * the time slider: the map's height less its top), plus `margin`. When the panels would
 * leave less than `minClear` pixels, each side is scaled down to leave that much.
 * Requires map to have a positive width and height.
 */
export function paddingFor(map: Rect, panels: readonly Rect[], margin = 24, minClear = 120): Padding {
  const w = map.right - map.left, h = map.bottom - map.top;
  if (!(w > 0 && h > 0)) throw new Error(`paddingFor: map of ${w}×${h} px, want a positive size`);
  const p: Padding = { top: 0, right: 0, bottom: 0, left: 0 };
  for (const r of panels) {
    // Relative to the map; panels outside it take no room.
    const x0 = Math.max(0, r.left - map.left), x1 = Math.min(w, r.right - map.left);
    const y0 = Math.max(0, r.top - map.top), y1 = Math.min(h, r.bottom - map.top);
    if (x1 <= x0 || y1 <= y0) continue;
    const costs: [keyof Padding, number][] = [["left", x1], ["right", w - x0], ["top", y1], ["bottom", h - y0]];
    const [side, cost] = costs.reduce((a, b) => (b[1] < a[1] ? b : a));
    p[side] = Math.max(p[side], cost);
  }
  const out: Padding = { top: p.top + margin, right: p.right + margin, bottom: p.bottom + margin, left: p.left + margin };
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
