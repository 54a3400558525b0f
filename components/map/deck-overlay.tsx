"use client";
import { createContext, useContext, useEffect, useRef, useState, type MutableRefObject } from "react";
import { useControl, useMap, type MapMouseEvent } from "react-map-gl/maplibre";
import { MapboxOverlay, type MapboxOverlayProps } from "@deck.gl/mapbox";
import type { Layer, PickingInfo } from "@deck.gl/core";
import styles from "./ops.module.css";

/** What a hover tooltip says: a title and a few lines, in the UI language. */
export type HoverTip = { title: string; lines: string[] };
export type Describe = (info: PickingInfo) => HoverTip | null;

/**
 * Hover tooltips: a map that provides a describer gets a tooltip for the feature under a
 * resting pointer. Context, so a page opts in without the map view knowing about it.
 */
export const DeckTooltipContext = createContext<Describe | null>(null);

/** The pointer must rest this long before a hover pick (one pick, not one per mouse move). */
const HOVER_REST_MS = 120;

/**
 * deck.gl attached to MapLibre as a control, drawing into MapLibre's own WebGL context.
 *
 * Picking is off (`_pickable: false`) except for the one pick a click or a resting pointer
 * asks for (`pickAt`). With it on, deck.gl draws every pickable layer into its picking buffer
 * and reads the pixel back on each pointer-down and each pointer move (hover): a pipeline
 * stall per event that, on a software renderer (SwiftShader), cost seconds per drag start and
 * made panning a slide show. Hover tooltips pick once the pointer rests, never while the map moves.
 */
export function DeckOverlay(props: MapboxOverlayProps & { overlayRef?: MutableRefObject<MapboxOverlay | null> }) {
  const { overlayRef, ...rest } = props;
  const overlay = useControl<MapboxOverlay>(() => new MapboxOverlay({ ...rest, interleaved: true, _pickable: false }));
  overlay.setProps({ ...rest, interleaved: true, _pickable: false });
  if (overlayRef) overlayRef.current = overlay;
  const describe = useContext(DeckTooltipContext);
  const describeRef = useRef(describe);
  describeRef.current = describe;
  const enabled = !!describe;
  const map = useMap().current;
  const [tip, setTip] = useState<{ x: number; y: number; tip: HoverTip } | null>(null);
  useEffect(() => {
    if (!enabled || !map) return;
    const m = map.getMap();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hide = () => {
      clearTimeout(timer);
      setTip((cur) => (cur ? null : cur));
    };
    const move = (e: MapMouseEvent) => {
      hide();
      const { x, y } = e.point;
      const attempt = (left: number) => {
        timer = setTimeout(() => {
          if (!describeRef.current) return;
          // Still easing (a fly-to): try again once it may have ended.
          if (m.isMoving()) return void (left > 0 && attempt(left - 1));
          const info = pickAt(overlay, x, y, 4, true);
          const d = info ? describeRef.current(info) : null;
          if (d) setTip({ x, y, tip: d });
        }, HOVER_REST_MS);
      };
      attempt(10);
    };
    m.on("mousemove", move);
    m.on("mouseout", hide);
    m.on("movestart", hide);
    m.on("mousedown", hide);
    return () => {
      clearTimeout(timer);
      m.off("mousemove", move);
      m.off("mouseout", hide);
      m.off("movestart", hide);
      m.off("mousedown", hide);
    };
  }, [enabled, map, overlay]);
  if (!tip) return null;
  const c = map?.getContainer();
  const w = c?.clientWidth ?? 0;
  // To the right and below the pointer; flipped near the right or bottom edge.
  const left = tip.x + 300 > w ? Math.max(4, tip.x - 294) : tip.x + 14;
  const top = tip.y + 120 > (c?.clientHeight ?? 0) ? Math.max(4, tip.y - 110) : tip.y + 14;
  return (
    <div className={styles.tooltip} style={{ left, top }} role="tooltip" data-testid="map-tooltip">
      <div className={styles.tooltipTitle}>{tip.tip.title}</div>
      {tip.tip.lines.map((l, i) => (
        <div key={i} className={i === tip.tip.lines.length - 1 && tip.tip.lines.length > 1 ? styles.tooltipMuted : undefined}>
          {l}
        </div>
      ))}
    </div>
  );
}

/** Layers drawn under everything else (hexagons, cells): tooltips only, never clicks. */
export const isBackdrop = (id: string) => id === "energy-cells" || id === "safety-coverage" || id.startsWith("scoped-cells-");

/**
 * The object under a screen point (within `radius` px), picking just this once. Features
 * first; with `backdrops`, the hexagon or cell under the exact point when no feature is near.
 */
export function pickAt(overlay: MapboxOverlay, x: number, y: number, radius = 5, backdrops = false): PickingInfo | null {
  const layers = ((overlay as unknown as { _props: { layers?: (Layer | null | false)[] } })._props.layers ?? []).filter((l): l is Layer => !!l).filter((l) => l.props.visible !== false);
  const front = layers.filter((l) => !isBackdrop(l.id)).map((l) => l.id);
  const back = layers.filter((l) => isBackdrop(l.id)).map((l) => l.id);
  overlay.setProps({ _pickable: true });
  try {
    const hit = front.length ? overlay.pickObject({ x, y, radius, layerIds: front }) : null;
    if (hit || !backdrops || !back.length) return hit;
    return overlay.pickObject({ x, y, radius: 0, layerIds: back });
  } finally {
    overlay.setProps({ _pickable: false });
  }
}
