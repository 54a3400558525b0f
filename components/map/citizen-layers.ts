import { ScatterplotLayer, TextLayer } from "@deck.gl/layers";
import type { CitizenLatest, CitizenReportSpan, CitizenReportState } from "@/lib/api/map-specs";
import type { LayerSettings } from "./traffic-layers";

/**
 * The citizen-reports layer (市民上报): confirmed, not yet resolved reports of the categories
 * that are not safety categories, at their public (coarsened) position. Colour and a glyph say
 * the category; the marker's outline and opacity say how long ago it was confirmed. Pure
 * (values and layer factories): runs in Node for tests.
 */

/** Category colours (Okabe-Ito, as the other categorical palettes); unknown categories grey. */
export const CITIZEN_COLORS: Record<string, [number, number, number]> = {
  pothole: [230, 159, 0],
  illegal_parking: [86, 180, 233],
  streetlight: [240, 228, 66],
  noise: [204, 121, 167],
  litter: [0, 158, 115],
  other: [170, 178, 189],
};
export const citizenColor = (code: string): [number, number, number] => CITIZEN_COLORS[code] ?? CITIZEN_COLORS.other;

/** How long ago a report was confirmed, as the map tells it apart: under a day, up to a week, older. */
export type ReportAge = "new" | "week" | "older";
export const REPORT_AGES: ReportAge[] = ["new", "week", "older"];
const DAY_MS = 24 * 3_600_000;
export function reportAge(confirmedAt: string, at: number): ReportAge {
  const age = at - Date.parse(confirmedAt);
  return age < DAY_MS ? "new" : age < 7 * DAY_MS ? "week" : "older";
}

/** The layer's values at a moment: the reports standing confirmed then, and that moment (ages are counted to it). */
export type CitizenValues = { reports: CitizenReportState[]; at: number; count: number };

/** Live: the latest answer's reports, aged to now; none while reports.citizen is held aggregated (its cells are drawn instead). */
export function citizenFromLatest(latest: CitizenLatest, now: number): CitizenValues {
  if (!latest.reports) return { reports: [], at: now, count: 0 };
  return { reports: latest.reports, at: now, count: latest.reports.length };
}

/** Replay: the reports confirmed at or before t and not closed by then. */
export function citizenAt(spans: readonly CitizenReportSpan[], t: number): CitizenValues {
  const reports = spans.filter((r) => Date.parse(r.confirmedAt) <= t && (r.closedAt === null || t < r.closedAt));
  return { reports, at: t, count: reports.length };
}

/** The feature id a report is picked and selected as (the feature panel shows its public facts). */
export const reportFeatureId = (id: string) => `citizen-${id}`;

type Glyph = { position: [number, number]; text: string };

/** Markers and glyphs from this zoom (below it, markers only: glyphs of a whole city overlap). */
export const CITIZEN_GLYPH_ZOOM = 12;

/**
 * Layers of the citizen view: a marker per report in its category's colour, a white outline
 * while confirmed under a day ago, a dark one up to a week, and faded with its category's
 * outline after that; the category's glyph (in the UI language) on it from CITIZEN_GLYPH_ZOOM.
 */
export function citizenLayers(v: CitizenValues | null, s: LayerSettings, glyphs: Record<string, string>) {
  const reports = v?.reports ?? [];
  const at = v?.at ?? 0;
  const selected = s.selectedId ? reports.findIndex((r) => reportFeatureId(r.id) === s.selectedId) : -1;
  const glyphData: Glyph[] = reports.map((r) => ({ position: r.position, text: glyphs[r.serviceCode] ?? glyphs.other ?? "" }));
  const chars = new Set<string>();
  for (const g of glyphData) for (const c of g.text) chars.add(c);
  return [
    new ScatterplotLayer<CitizenReportState>({
      id: "citizen-reports",
      data: reports,
      visible: s.visible,
      pickable: true,
      stroked: true,
      filled: true,
      radiusUnits: "pixels",
      lineWidthUnits: "pixels",
      getPosition: (d) => d.position,
      getRadius: s.zoom >= CITIZEN_GLYPH_ZOOM ? 9 : 6,
      getFillColor: (d) => {
        const c = citizenColor(d.serviceCode);
        const age = reportAge(d.confirmedAt, at);
        return [c[0], c[1], c[2], age === "new" ? 255 : age === "week" ? 215 : 110];
      },
      getLineColor: (d) => {
        const age = reportAge(d.confirmedAt, at);
        return age === "new" ? [255, 255, 255, 255] : age === "week" ? [15, 23, 42, 255] : [...citizenColor(d.serviceCode), 255];
      },
      getLineWidth: (d) => (reportAge(d.confirmedAt, at) === "new" ? 2.5 : 1.5),
      // -1, not null: null hands highlighting back to deck.gl, which kept the last selection drawn.
      highlightedObjectIndex: selected,
      highlightColor: [255, 255, 255, 200],
      updateTriggers: { getFillColor: [reports, at], getLineColor: [reports, at], getLineWidth: [reports, at] },
    }),
    new TextLayer<Glyph>({
      id: "citizen-glyphs",
      data: glyphData,
      visible: s.visible && s.zoom >= CITIZEN_GLYPH_ZOOM,
      getPosition: (d) => d.position,
      getText: (d) => d.text,
      getSize: 11,
      getColor: [15, 23, 42, 255],
      fontWeight: 700,
      characterSet: chars,
      fontFamily: '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif',
    }),
  ];
}

/** The report under a click on the citizen layer, as a feature id. */
export function citizenPick(layerId: string, object: unknown): string | null {
  if (layerId !== "citizen-reports") return null;
  const r = object as CitizenReportState | undefined;
  return r ? reportFeatureId(r.id) : null;
}
