"use client";
import { useMemo } from "react";
import type { Layer, PickingInfo } from "@deck.gl/core";
import type { AccessNote, MapLayerId } from "@/lib/api/map-specs";
import { areasOf, scopedLayers } from "./scoped-layers";
import { energyBinary, energyGeometry, energyLayers, energyPick } from "./energy-layers";
import { characterSetOf, labelLayer, labelsAt, type LabelFeature } from "./label-layers";
import { safetyBinary, safetyGeometry, safetyLayers, safetyPick, type CoverageKind } from "./safety-layers";
import { trafficBinary, trafficGeometry, trafficLayers, trafficPick } from "./traffic-layers";
import type { useMapData } from "./use-map-data";

type MapData = ReturnType<typeof useMapData>;

/**
 * deck.gl layers of every map layer, in drawing order (hexagon backdrops, lines, points,
 * labels). Geometry is built once per features answer; binary attributes once per values
 * version; the layer objects themselves are cheap and rebuilt on every settings change.
 */
export function useDeckLayers(
  data: MapData,
  opts: {
    active: ReadonlySet<MapLayerId>;
    zoom: number;
    selectedId: string | null;
    coverage: CoverageKind;
    labels: LabelFeature[];
    glyphs: Record<string, string>;
    large?: boolean;
    /** The access notes: grants limited to an area have it outlined. */
    notes?: AccessNote[];
  },
) {
  const tg = useMemo(() => (data.traffic.features ? trafficGeometry(data.traffic.features) : null), [data.traffic.features]);
  const eg = useMemo(() => (data.energy.features ? energyGeometry(data.energy.features) : null), [data.energy.features]);
  const sg = useMemo(() => (data.safety.features ? safetyGeometry(data.safety.features) : null), [data.safety.features]);

  const tb = useMemo(() => (tg ? trafficBinary(tg, data.traffic.values) : null),
    // values are patched in place: the version says when they changed
    [tg, data.traffic.values, data.traffic.version]);
  const eb = useMemo(() => (eg ? energyBinary(eg, data.energy.values) : null), [eg, data.energy.values]);
  const { glyphs, coverage } = opts;
  const sb = useMemo(() => (sg ? safetyBinary(sg, data.safety.values, coverage, glyphs) : null), [sg, data.safety.values, coverage, glyphs]);

  const zoomStep = Math.floor(opts.zoom * 2) / 2;
  const visibleLabels = useMemo(() => labelsAt(opts.labels, zoomStep, opts.large ? 1.5 : 1), [opts.labels, zoomStep, opts.large]);
  // Every label's characters: the font atlas is built once, not at each zoom step.
  const labelChars = useMemo(() => characterSetOf(opts.labels.map((l) => l.text)), [opts.labels]);

  const areas = useMemo(() => areasOf(opts.notes), [opts.notes]);
  const layers = useMemo(() => {
    const out: Layer[] = [];
    const settings = (l: MapLayerId) => ({ visible: opts.active.has(l), zoom: zoomStep, selectedId: opts.selectedId });
    // Hexagon backdrops first, then the rest; hidden layers keep their buffers (visible: false).
    const e = eb ? energyLayers(eb, settings("energy")) : [];
    const s = sb ? safetyLayers(sb, settings("safety")) : [];
    const t = tb ? trafficLayers(tb, settings("traffic")) : [];
    out.push(...e.filter((l) => l.id === "energy-cells"), ...s.filter((l) => l.id === "safety-coverage"));
    // Anonymized and aggregated cells over the backdrops; the grants' areas drawn last, above every layer.
    const scoped = scopedLayers(data.scoped, areas, (l) => opts.active.has(l));
    out.push(...scoped.filter((l) => l.id !== "scoped-areas"));
    out.push(...e.filter((l) => l.id === "energy-feeders"), ...t.filter((l) => l.id.startsWith("traffic-segments")));
    out.push(...e.filter((l) => l.id !== "energy-cells" && l.id !== "energy-feeders"));
    out.push(...s.filter((l) => l.id !== "safety-coverage"));
    out.push(...t.filter((l) => !l.id.startsWith("traffic-segments")));
    out.push(...scoped.filter((l) => l.id === "scoped-areas"));
    out.push(labelLayer(visibleLabels, { large: opts.large, characterSet: labelChars }));
    return out;
  }, [tb, eb, sb, data.scoped, areas, opts.active, zoomStep, opts.selectedId, visibleLabels, labelChars, opts.large]);

  /** The feature id under a click, if any. */
  const pick = (info: PickingInfo): string | null => {
    if (!info.layer || info.index < 0) return null;
    const id = info.layer.id;
    if (tb && id.startsWith("traffic-")) return trafficPick(tb, id, info.index, info.object);
    if (eb && id.startsWith("energy-")) return energyPick(eb, id, info.index);
    if (sb && id.startsWith("safety-")) return safetyPick(sb, id, info.index, info.object);
    return null;
  };
  return { layers, pick };
}
