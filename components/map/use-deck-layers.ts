"use client";
import { useMemo, useRef } from "react";
import { useQuery } from "@tanstack/react-query";
import type { Layer, PickingInfo } from "@deck.gl/core";
import type { AccessNote, CitizenReportState, IncidentState, MapLayerId } from "@/lib/api/map-specs";
import type { MessageKey } from "@/lib/i18n/messages";
import { useI18n } from "../i18n/i18n-provider";
import { cityInfoQuery } from "./map-queries";
import { CAMERA_ALERTS, NO_STATE } from "./layer-values";
import { datasetName, fill } from "./access-text";
import { isBackdrop, type HoverTip } from "./deck-overlay";
import { areasOf, scopedLayers } from "./scoped-layers";
import { energyBinary, energyGeometry, energyLayers, energyPick } from "./energy-layers";
import { characterSetOf, labelLayer, labelsAt, type LabelFeature, type LabelView } from "./label-layers";
import { safetyBinary, safetyGeometry, safetyLayers, safetyPick, type CoverageKind } from "./safety-layers";
import { MINOR_SEGMENT_ZOOM, trafficBinary, trafficGeometry, trafficLayers, trafficPick } from "./traffic-layers";
import type { useMapData } from "./use-map-data";
import { citizenLayers, citizenPick, reportAge } from "./citizen-layers";
import { layerState } from "./layer-panel";
import { CITIZEN_LAYER_SERVICES } from "@/lib/citizen/service-catalogue";
import { formatCityTime } from "@/lib/i18n/city-time";

type MapData = ReturnType<typeof useMapData>;

/** Labels of the fields scoped cells are coloured by. */
const FIELD_LABELS: Record<string, MessageKey> = { speedKmh: "tooltip.speed", utilisation: "tooltip.load", severity: "tooltip.severity", vehiclesPerMin: "tooltip.vehPerMin", reports: "kpi.reports" };

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
    /** Only labels wholly inside this view (the wall's framed map: none cut at its edge). */
    labelView?: LabelView | null;
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

  const { t, locale } = useI18n();
  // The citizen layer's category glyphs, in the UI language.
  const citizenGlyphs = useMemo(() => Object.fromEntries(CITIZEN_LAYER_SERVICES.map((x) => [x.code, t(`citizenLayer.glyph.${x.code}` as MessageKey)])), [t]);

  const zoomStep = Math.floor(opts.zoom * 2) / 2;
  const labelView = opts.labelView ?? undefined;
  const visibleLabels = useMemo(() => labelsAt(opts.labels, zoomStep, opts.large ? 1.5 : 1, labelView), [opts.labels, zoomStep, opts.large, labelView]);
  // Every label's characters: the font atlas is built once, not at each zoom step.
  const labelChars = useMemo(() => characterSetOf(opts.labels.map((l) => l.text)), [opts.labels]);

  const areas = useMemo(() => areasOf(opts.notes), [opts.notes]);
  // A map layer's deck.gl layers exist from the first time it is switched on, and are kept
  // (visible: false) when it is switched off, so switching it on again draws at once. Not
  // before: deck.gl initialises hidden layers too, and each layer type's WebGL program costs
  // 0.3–1.4 s to link in software rendering (SwiftShader), in the first seconds of a map that
  // shows only traffic (the safety layer's hexagon program was linked twice in those seconds).
  const everActive = useRef(new Set<MapLayerId>());
  for (const l of opts.active) everActive.current.add(l);
  // Likewise the street-zoom layers (full paths): made once the map has been at street zoom.
  const streetsSeen = useRef(false);
  if (zoomStep >= MINOR_SEGMENT_ZOOM) streetsSeen.current = true;
  const streets = streetsSeen.current;
  const layers = useMemo(() => {
    const out: Layer[] = [];
    const made = (l: MapLayerId) => everActive.current.has(l);
    const settings = (l: MapLayerId) => ({ visible: opts.active.has(l), zoom: zoomStep, selectedId: opts.selectedId, streets });
    // Hexagon backdrops first, then the rest; hidden layers keep their buffers (visible: false).
    const e = eb && made("energy") ? energyLayers(eb, settings("energy")) : [];
    const s = sb && made("safety") ? safetyLayers(sb, settings("safety")) : [];
    const t = tb && made("traffic") ? trafficLayers(tb, settings("traffic")) : [];
    const c = data.citizen.features && made("citizen") ? citizenLayers(data.citizen.values, settings("citizen"), citizenGlyphs) : [];
    out.push(...e.filter((l) => l.id === "energy-cells"), ...s.filter((l) => l.id === "safety-coverage"));
    // Anonymized and aggregated cells over the backdrops; the grants' areas drawn last, above every layer.
    const scoped = scopedLayers(data.scoped.filter((c) => made(c.layer)), areas, (l) => opts.active.has(l));
    out.push(...scoped.filter((l) => l.id !== "scoped-areas"));
    out.push(...e.filter((l) => l.id.startsWith("energy-feeders")), ...t.filter((l) => l.id.startsWith("traffic-segments")));
    out.push(...e.filter((l) => l.id !== "energy-cells" && !l.id.startsWith("energy-feeders")));
    out.push(...s.filter((l) => l.id !== "safety-coverage"));
    out.push(...t.filter((l) => !l.id.startsWith("traffic-segments")));
    // Citizen reports over the other layers' points: few, and each one a department confirmed.
    out.push(...c);
    out.push(...scoped.filter((l) => l.id === "scoped-areas"));
    out.push(labelLayer(visibleLabels, { large: opts.large, characterSet: labelChars }));
    // Hexagons and cells answer hover tooltips (picked only under the exact pointer, never on click).
    return out.map((l) => (isBackdrop(l.id) && !l.props.pickable ? l.clone({ pickable: true }) : l));
  }, [tb, eb, sb, data.citizen.features, data.citizen.values, citizenGlyphs, data.scoped, areas, opts.active, zoomStep, opts.selectedId, visibleLabels, labelChars, opts.large, streets]);

  /** The feature id under a click, if any. */
  const pick = (info: PickingInfo): string | null => {
    if (!info.layer || info.index < 0) return null;
    const id = info.layer.id;
    if (tb && id.startsWith("traffic-")) return trafficPick(tb, id, info.index, info.object);
    if (eb && id.startsWith("energy-")) return energyPick(eb, id, info.index);
    if (sb && id.startsWith("safety-")) return safetyPick(sb, id, info.index, info.object);
    if (id.startsWith("citizen-")) return citizenPick(id, info.object);
    return null;
  };

  // Hover tooltips: what the feature under the pointer is and shows, in the UI language.
  const info = useQuery(cityInfoQuery());
  const roadNames = useMemo(() => new Map((info.data?.roads ?? []).map((r) => [r.id, locale === "en" ? r.nameEn : r.nameZh])), [info.data?.roads, locale]);
  const tf = data.traffic.features, ef = data.energy.features, sf = data.safety.features;
  const tIndex = useMemo(() => new Map((tf?.sensors.ids ?? []).map((id, i) => [id, i])), [tf]);
  const describe = (p: PickingInfo): HoverTip | null => {
    if (!p.layer || p.index < 0) return null;
    const id = p.layer.id;
    const n = (v: number, digits = 0) => v.toLocaleString(locale, { maximumFractionDigits: digits });
    const pct = (v: number) => `${n(v * 100)}%`;
    const has = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
    // "Label: value" with the language's colon (a full-width one in Chinese).
    const labelled = (label: string, value: string) => fill(t("tooltip.labelled"), { label, value });
    // No value where the viewer may not read the layer's data says "no access", as the layer panel does, not "no reading".
    const noValue = (l: MapLayerId) => t(layerState(true, data[l], opts.notes, l) === "hidden" ? "kpi.noAccess" : "tooltip.noReading");
    if (id.endsWith("-incidents")) {
      const inc = p.object as IncidentState | undefined;
      if (!inc) return null;
      const status = t(`alarms.status.${inc.status}` as MessageKey) ?? inc.status;
      const since = formatCityTime(inc.startedAt, locale, "hm");
      return {
        title: labelled(t("kind.incident"), t(`incident.${inc.type}` as MessageKey) ?? inc.type),
        lines: [`${t("tooltip.severity")} ${t(`kpi.severity.s${Math.min(3, Math.max(1, inc.severity))}` as MessageKey)} · ${status}`, fill(t("tooltip.startedAt"), { time: since }), inc.id],
      };
    }
    if (tb && tf && id.startsWith("traffic-")) {
      const fid = trafficPick(tb, id, p.index, p.object);
      if (!fid) return null;
      if (id === "traffic-signals") return { title: t("kind.signal"), lines: [fid] };
      const i = tIndex.get(fid);
      if (i === undefined) return null;
      const v = data.traffic.values;
      const ratio = v?.ratio[i], flow = v?.flow[i];
      const ff = tf.sensors.freeFlowKmh[i];
      const lines = [
        has(ratio) ? `${t("tooltip.speed")} ${n(ratio * ff)} ${t("tooltip.kmh")} · ${fill(t("tooltip.freeFlow"), { v: n(ff) })}` : labelled(t("tooltip.speed"), noValue("traffic")),
      ];
      if (has(flow)) lines.push(`${t("tooltip.flow")} ${n(flow)} ${t("tooltip.vehH")}`);
      lines.push(`${t("kind.traffic-sensor")} ${fid}`);
      return { title: roadNames.get(tf.sensors.roadIds[i]) ?? tf.sensors.segmentIds[i] ?? fid, lines };
    }
    if (eb && ef && id.startsWith("energy-")) {
      const v = data.energy.values;
      if (id === "energy-cells") {
        const load = v?.cellLoad[p.index];
        return { title: t("tooltip.hexagon"), lines: [has(load) ? `${t("tooltip.consumption")} ${n(load, 1)} ${t("tooltip.mw")}` : labelled(t("tooltip.consumption"), noValue("energy"))] };
      }
      const fid = energyPick(eb, id, p.index);
      if (!fid) return null;
      if (id.startsWith("energy-feeders")) {
        // At city zoom an index names a segment of a feeder (a LineLayer), at street zoom the feeder.
        const f = id === "energy-feeders-city" ? eb.g.feederCity.path[p.index] : p.index;
        const u = v?.feederUtil[f];
        const out = v?.feederOut[f] === 1;
        return {
          title: `${t("kind.feeder")} ${fid}`,
          lines: [out ? t("legend.outage") : has(u) ? `${t("tooltip.load")} ${pct(u)}` : labelled(t("tooltip.load"), noValue("energy")), fill(t("tooltip.capacity"), { v: n(ef.feeders.capacityMw[f], 1) })],
        };
      }
      if (id === "energy-substations") {
        const u = v?.substationUtil[p.index];
        return {
          title: `${t("kind.substation")} ${fid}`,
          lines: [has(u) ? `${t("tooltip.load")} ${pct(u)}` : labelled(t("tooltip.load"), noValue("energy")), `${n(ef.substations.voltageKv[p.index])} kV · ${fill(t("tooltip.capacity"), { v: n(ef.substations.capacityMw[p.index]) })}`],
        };
      }
      const cf = v?.renewableCf[p.index];
      return {
        title: `${t(`legend.${ef.renewables.kind[p.index]}` as MessageKey)} · ${fid}`,
        lines: [has(cf) ? `${t("tooltip.output")} ${pct(cf)}` : labelled(t("tooltip.output"), noValue("energy")), fill(t("tooltip.capacity"), { v: n(ef.renewables.capacityMw[p.index]) })],
      };
    }
    if (sb && sf && id.startsWith("safety-")) {
      if (id === "safety-coverage") {
        const pm = sf.coverage.policeMin[p.index], fm = sf.coverage.fireMin[p.index];
        return {
          title: t("tooltip.hexagon"),
          lines: [labelled(t("tooltip.response"), `${t("legend.coverage.police")} ${fill(t("tooltip.minutes"), { v: n(pm, 1) })} · ${t("legend.coverage.fire")} ${fill(t("tooltip.minutes"), { v: n(fm, 1) })}`)],
        };
      }
      const fid = safetyPick(sb, id, p.index, p.object);
      if (!fid) return null;
      if (id === "safety-cameras") {
        const code = data.safety.values?.cameraState[p.index] ?? NO_STATE;
        const state = code === NO_STATE ? noValue("safety") : code === 0 ? t("legend.cameraOffline") : code === 1 ? t("legend.cameraOnline") : labelled(t("legend.cameraAlert"), t(`alarms.alert.${CAMERA_ALERTS[code - 1]}` as MessageKey) ?? CAMERA_ALERTS[code - 1]);
        return { title: `${t("kind.camera")} ${fid}`, lines: [state] };
      }
      const kind = sf.stations.kind[p.index];
      const kindKey = kind === "police-bureau" ? "legend.policeBureau" : kind === "police-station" ? "legend.policeStation" : "legend.fireStation";
      return { title: t(kindKey), lines: [fid] };
    }
    if (id === "citizen-reports") {
      const r = p.object as CitizenReportState | undefined;
      if (!r) return null;
      const cat = data.citizen.features?.categories.find((x) => x.code === r.serviceCode);
      const age = reportAge(r.confirmedAt, data.citizen.values?.at ?? Date.now());
      return {
        title: labelled(t("layer.citizen"), cat ? (locale === "en" ? cat.nameEn : cat.nameZh) : r.serviceCode),
        lines: [`${t("report.status.confirmed")} · ${t(`citizenLayer.age.${age}`)}`, fill(t("citizenLayer.confirmedAt"), { time: formatCityTime(r.confirmedAt, locale, "hm") }), `${t("citizenLayer.id")} ${r.id.slice(0, 8)}`],
      };
    }
    if (id.startsWith("scoped-cells-")) {
      const c = data.scoped.find((x) => id === `scoped-cells-${x.datasetId}`);
      if (!c) return null;
      const v = c.value[p.index];
      return {
        title: datasetName(c.datasetId, locale),
        lines: [c.suppressed[p.index] ? t("tooltip.suppressed") : v === null || v === undefined ? t("tooltip.noReading") : `${t(FIELD_LABELS[c.field ?? ""] ?? "tooltip.hexagon")} ${c.field === "utilisation" ? pct(v) : n(v, 1)}`, t("tooltip.cell")],
      };
    }
    return null;
  };
  return { layers, pick, describe };
}
