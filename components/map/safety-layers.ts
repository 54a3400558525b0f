import { TextLayer } from "@deck.gl/layers";
import type { IncidentState, SafetyFeatures } from "@/lib/api/map-specs";
import { colors, nextStamp, sameGeometry, xyz, type BinaryAttribute, type PathData, type PointData } from "./binary";
import { hexagonData, hexagonLayer, hexagonRings, type HexagonRings } from "./hexagons";
import { CAMERA_STATE_COLORS, responseColor, STATION_COLORS } from "./palettes";
import { NO_STATE, type SafetyValues } from "./layer-values";
import { incidentLayer, type LayerSettings } from "./traffic-layers";
import { characterSetOf } from "./label-layers";
import { outlinedPointLayer } from "./point-symbols";

export type CoverageKind = "police" | "fire";

export type SafetyGeometry = {
  stationIds: string[];
  stationKind: string[];
  stationPos: Float64Array;
  coveragePos: Float64Array;
  coverageRadiusM: number;
  /** The coverage cells as hexagon rings (touching: gaps between them showed the map as dark lines that read as roads). */
  coverageRings: HexagonRings;
  policeMin: number[];
  fireMin: number[];
  cameraIds: string[];
  cameraPos: Float64Array;
  /** Position attributes, one object each for the geometry's life (deck.gl compares them). */
  attr: { stationPos: BinaryAttribute; cameraPos: BinaryAttribute };
};

export function safetyGeometry(f: SafetyFeatures): SafetyGeometry {
  const stationPos = xyz(f.stations.position), coveragePos = xyz(f.coverage.position), cameraPos = xyz(f.cameras?.position ?? []);
  return {
    stationIds: f.stations.ids,
    stationKind: f.stations.kind,
    stationPos,
    coveragePos,
    coverageRadiusM: f.coverage.radiusM,
    coverageRings: hexagonRings(coveragePos, f.coverage.radiusM),
    policeMin: f.coverage.policeMin,
    fireMin: f.coverage.fireMin,
    cameraIds: f.cameras?.ids ?? [],
    cameraPos,
    attr: { stationPos: { value: stationPos, size: 3 }, cameraPos: { value: cameraPos, size: 3 } },
  };
}

/** Stations are drawn full size with their glyph from this zoom; smaller and plain below it. */
export const STATION_GLYPH_ZOOM = 12;

type StationLabel = { position: [number, number]; text: string; kind: string };
export type SafetyBinary = {
  coverage: PathData;
  stations: PointData;
  stationLabels: StationLabel[];
  cameras: PointData;
  /** The glyphs' characters, for the text layer's font atlas (built once, not per update). */
  glyphChars: Set<string>;
  incidents: IncidentState[];
  g: SafetyGeometry;
  stamp: number;
};

/** Binary attributes of the safety layer for one set of values and coverage kind. */
export function safetyBinary(g: SafetyGeometry, v: SafetyValues | null, coverage: CoverageKind, glyphs: Record<string, string>): SafetyBinary {
  const minutes = coverage === "police" ? g.policeMin : g.fireMin;
  const nCam = g.cameraIds.length;
  return {
    coverage: hexagonData(g.coverageRings, (i) => responseColor(minutes[i])),
    stations: {
      length: g.stationIds.length,
      attributes: {
        getPosition: g.attr.stationPos,
        getFillColor: { value: colors(g.stationIds.length, (i) => [...(STATION_COLORS[g.stationKind[i]] ?? [200, 200, 200]), 255] as [number, number, number, number]), size: 4, normalized: true },
      },
    },
    stationLabels: g.stationIds.map((_, i) => ({ position: [g.stationPos[3 * i], g.stationPos[3 * i + 1]], text: glyphs[g.stationKind[i]] ?? "", kind: g.stationKind[i] })),
    cameras: {
      length: nCam,
      attributes: {
        getPosition: g.attr.cameraPos,
        getFillColor: {
          value: colors(nCam, (i) => {
            const s = v ? v.cameraState[i] : NO_STATE;
            if (s === NO_STATE) return [150, 160, 175, 110];
            const c = CAMERA_STATE_COLORS[Math.min(s, CAMERA_STATE_COLORS.length - 1)];
            return [c[0], c[1], c[2], 235];
          }),
          size: 4,
          normalized: true,
        },
      },
    },
    glyphChars: characterSetOf(Object.values(glyphs)),
    incidents: v?.incidents ?? [],
    g,
    stamp: nextStamp(),
  };
}

/**
 * Pure layer factory of the public safety view: response coverage per hexagon (minutes
 * from the nearest police or fire station over the road graph), cameras by state,
 * stations with a glyph, and incidents by type, severity and status.
 */
export function safetyLayers(b: SafetyBinary, s: LayerSettings) {
  // New values keep the geometry: only the value attributes are uploaded again.
  const keep = { dataComparator: sameGeometry, updateTriggers: { getFillColor: b.stamp } };
  const full = s.zoom >= STATION_GLYPH_ZOOM;
  return [
    hexagonLayer("safety-coverage", b.coverage, b.stamp, s.visible),
    outlinedPointLayer("safety-cameras", b.cameras, b.g.cameraIds, s, keep, { visible: s.visible && s.zoom >= 11.5, getRadius: 3.5, lineColor: [15, 23, 42, 255], lineWidth: 1, highlightAlpha: 200 }),
    // At city zoom 250-odd stations at full size cover the districts: small dots there.
    outlinedPointLayer("safety-stations", b.stations, b.g.stationIds, s, keep, { getRadius: full ? 10 : 5, lineColor: [241, 245, 249, 255], lineWidth: full ? 2 : 1, highlightAlpha: 160 }),
    new TextLayer<StationLabel>({
      id: "safety-station-glyphs",
      data: b.stationLabels,
      visible: s.visible && full,
      getPosition: (d) => d.position,
      getText: (d) => d.text,
      getSize: 12,
      getColor: [255, 255, 255, 255],
      fontWeight: 700,
      characterSet: b.glyphChars,
      fontFamily: '"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif',
    }),
    incidentLayer("safety-incidents", b.incidents, s.visible),
  ];
}

export function safetyPick(b: SafetyBinary, layerId: string, index: number, object: unknown): string | null {
  if (layerId === "safety-stations") return b.g.stationIds[index] ?? null;
  if (layerId === "safety-cameras") return b.g.cameraIds[index] ?? null;
  if (layerId === "safety-incidents") return (object as IncidentState | undefined)?.id ?? null;
  return null;
}
