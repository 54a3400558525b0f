import { PathLayer } from "@deck.gl/layers";
import type { EnergyFeatures } from "@/lib/api/map-specs";
import type { RenewableKind } from "@/lib/city/types";
import { colors, nextStamp, pathColors, pathValues, sameGeometry, values, xyz, type BinaryAttribute, type PathData, type PointData } from "./binary";
import { loadColor, magnitudeColor, OUTAGE_COLOR, RENEWABLE_COLORS } from "./palettes";
import type { EnergyValues } from "./layer-values";
import { citySegments, type CitySegments, type LayerSettings, type LineData } from "./traffic-layers";
import { outlinedPointLayer, selectedIndex } from "./point-symbols";
import { SegmentLineLayer, segmentLines } from "./segment-line-layer";
import { hexagonData, hexagonLayer, hexagonRings, type HexagonRings } from "./hexagons";

export type EnergyGeometry = {
  feederIds: string[];
  feederStarts: Uint32Array;
  feederPath: Float64Array;
  /**
   * The feeders as drawn below CITY_DETAIL_ZOOM: each thinned to what half a pixel at that zoom
   * shows and cut into straight segments for a LineLayer, as the traffic layer's major roads
   * are (citySegments). A feeder averages 17 vertices, and a PathLayer draws an instance of 12
   * vertices per vertex where a LineLayer draws one of 4 per segment: as simplified paths the
   * feeders were 13,366 instances at size 10 and the larger part of deck.gl's time in a pan
   * frame (README, "Panning at size 10").
   */
  feederCity: CitySegments;
  substationIds: string[];
  substationPos: Float64Array;
  substationRadius: Float32Array;
  renewableIds: string[];
  renewablePos: Float64Array;
  renewableRadius: Float32Array;
  renewableKind: RenewableKind[];
  cellPos: Float64Array;
  cellRadiusM: number;
  /** The consumption cells as hexagon rings. */
  cellRings: HexagonRings;
  /** Position attributes and radii, one object each for the geometry's life (deck.gl compares them). */
  attr: { feederPath: BinaryAttribute; substationPos: BinaryAttribute; substationRadius: BinaryAttribute; renewablePos: BinaryAttribute; renewableRadius: BinaryAttribute };
};

export function energyGeometry(f: EnergyFeatures): EnergyGeometry {
  const feederStarts = Uint32Array.from(f.feeders.startIndices);
  const feederPath: BinaryAttribute = { value: Float64Array.from(f.feeders.path), size: 2 };
  const g = {
    feederIds: f.feeders.ids,
    feederStarts,
    feederPath: feederPath.value as Float64Array,
    feederCity: citySegments({ startIndices: feederStarts, pathAttr: feederPath }),
    substationIds: f.substations.ids,
    substationPos: xyz(f.substations.position),
    substationRadius: values(f.substations.ids.length, (i) => 5 + 9 * Math.sqrt(f.substations.capacityMw[i] / 360)),
    renewableIds: f.renewables.ids,
    renewablePos: xyz(f.renewables.position),
    renewableRadius: values(f.renewables.ids.length, (i) => 5 + 10 * Math.sqrt(Math.min(1, f.renewables.capacityMw[i] / 400))),
    renewableKind: f.renewables.kind,
    cellPos: xyz(f.cells.position),
    cellRadiusM: f.cells.radiusM,
  };
  // The consumption cells a little apart (94 % of their size), as the map has drawn them.
  const cellRings = hexagonRings(g.cellPos, g.cellRadiusM * 0.94);
  return {
    ...g,
    cellRings,
    attr: {
      feederPath,
      substationPos: { value: g.substationPos, size: 3 },
      substationRadius: { value: g.substationRadius, size: 1 },
      renewablePos: { value: g.renewablePos, size: 3 },
      renewableRadius: { value: g.renewableRadius, size: 1 },
    },
  };
}

/** Below this zoom (the whole city on screen) point symbols are drawn smaller. */
export const CITY_DETAIL_ZOOM = 12;

export type EnergyBinary = {
  cells: PathData;
  /** Whether any cell has a value (cells without one are transparent: not drawn at all). */
  cellValues: boolean;
  feeders: PathData;
  /** The feeders at city zoom (simplified, as straight segments; the same colours). */
  feedersCity: LineData;
  substations: PointData;
  renewables: PointData;
  g: EnergyGeometry;
  stamp: number;
};

/** Feeder i's colour by load against capacity (outages in reddish purple), and its width (outages wider). */
const feederColor = (v: EnergyValues | null, i: number) => (v?.feederOut[i] ? OUTAGE_COLOR : loadColor(v ? v.feederUtil[i] : null, 230));
const feederWidth = (v: EnergyValues | null, i: number) => (v?.feederOut[i] ? 6 : 3);

function feederData(starts: Uint32Array, path: BinaryAttribute, v: EnergyValues | null): PathData {
  return {
    length: starts.length - 1,
    startIndices: starts,
    attributes: {
      getPath: path,
      getColor: { value: pathColors(starts, (i) => feederColor(v, i)), size: 4, normalized: true },
      getWidth: { value: pathValues(starts, (i) => feederWidth(v, i)), size: 1 },
    },
  };
}

/** The city-zoom feeder segments, each coloured and sized as its feeder. */
function feederCityData(c: CitySegments, v: EnergyValues | null): LineData {
  return {
    length: c.length,
    attributes: {
      getSourcePosition: c.sourceAttr,
      getTargetPosition: c.targetAttr,
      getColor: { value: colors(c.length, (i) => feederColor(v, c.path[i])), size: 4, normalized: true },
      getWidth: { value: values(c.length, (i) => feederWidth(v, c.path[i])), size: 1 },
    },
  };
}

/** Binary attributes of the energy layer for one set of values. */
export function energyBinary(g: EnergyGeometry, v: EnergyValues | null): EnergyBinary {
  const max = v && v.cellMax > 0 ? v.cellMax : 1;
  return {
    cells: hexagonData(g.cellRings, (i) => (v && Number.isFinite(v.cellLoad[i]) ? magnitudeColor(Math.sqrt(v.cellLoad[i] / max)) : [0, 0, 0, 0])),
    feeders: feederData(g.feederStarts, g.attr.feederPath, v),
    feedersCity: feederCityData(g.feederCity, v),
    substations: {
      length: g.substationIds.length,
      attributes: {
        getPosition: g.attr.substationPos,
        getRadius: g.attr.substationRadius,
        getFillColor: { value: colors(g.substationIds.length, (i) => loadColor(v ? v.substationUtil[i] : null, 255)), size: 4, normalized: true },
      },
    },
    renewables: {
      length: g.renewableIds.length,
      attributes: {
        getPosition: g.attr.renewablePos,
        getRadius: g.attr.renewableRadius,
        getFillColor: {
          value: colors(g.renewableIds.length, (i) => {
            const c = RENEWABLE_COLORS[g.renewableKind[i]];
            const cf = v ? v.renewableCf[i] : Number.NaN;
            return [c[0], c[1], c[2], Number.isFinite(cf) ? Math.round(70 + 185 * Math.min(1, cf)) : 60];
          }),
          size: 4,
          normalized: true,
        },
      },
    },
    cellValues: !!v && v.cellLoad.some((x) => Number.isFinite(x)),
    g,
    stamp: nextStamp(),
  };
}

/**
 * Pure layer factory of the energy view: consumption on the hexagon grid (viridis, by share
 * of the busiest cell), feeders and substations coloured by load against capacity, outages
 * in reddish purple, renewable sites sized by capacity and filled by their output.
 */
export function energyLayers(b: EnergyBinary, s: LayerSettings) {
  // New values keep the geometry: only the value attributes are uploaded again.
  const keep = { dataComparator: sameGeometry, updateTriggers: { getFillColor: b.stamp, getColor: b.stamp, getWidth: b.stamp } };
  const city = s.zoom < CITY_DETAIL_ZOOM;
  const selected = selectedIndex(b.g.feederIds, s);
  return [
    hexagonLayer("energy-cells", b.cells, b.stamp, s.visible && b.cellValues),
    // Full feeder paths from street zoom, made once the map has been there; simplified segments below it.
    ...(s.streets === false
      ? []
      : [
          new PathLayer({
            id: "energy-feeders",
            data: b.feeders,
            ...keep,
            _pathType: "open",
            visible: s.visible && !city,
            widthUnits: "pixels",
            widthMinPixels: 2,
            jointRounded: true,
            capRounded: true,
            pickable: true,
            highlightedObjectIndex: selected,
            highlightColor: [255, 255, 255, 200],
          }),
        ]),
    new SegmentLineLayer({
      id: "energy-feeders-city",
      data: segmentLines(b.feedersCity),
      ...keep,
      visible: s.visible && city,
      widthUnits: "pixels",
      widthMinPixels: 2,
      pickable: true,
    }),
    // The selected feeder at city zoom, whole (a LineLayer highlights one segment of it).
    ...(city && selected !== null ? [selectedFeederLayer(b.g, selected, s.visible)] : []),
    // Smaller at city zoom, where 200 substations at full size cover the districts.
    outlinedPointLayer("energy-substations", b.substations, b.g.substationIds, s, keep, { radiusScale: city ? 0.55 : 1, lineColor: [241, 245, 249, 255], lineWidth: city ? 1 : 2, highlightAlpha: 160 }),
    outlinedPointLayer("energy-renewables", b.renewables, b.g.renewableIds, s, keep, { radiusScale: city ? 0.7 : 1, lineColor: [15, 23, 42, 255], lineWidth: 1.5, highlightAlpha: 160 }),
  ];
}

/** Feeder i's full path drawn over the city-zoom segments in the highlight colour. */
function selectedFeederLayer(g: EnergyGeometry, i: number, visible: boolean) {
  const path = g.feederPath.subarray(2 * g.feederStarts[i], 2 * g.feederStarts[i + 1]);
  type Selected = { feeder: number; of: Float64Array };
  return new PathLayer({
    id: "energy-feeder-selected",
    data: { length: 1, startIndices: Uint32Array.of(0, path.length / 2), attributes: { getPath: { value: path, size: 2 } }, feeder: i, of: g.feederPath },
    // A new selection is new data; the same one (the same feeder of the same geometry) keeps its buffers.
    dataComparator: (a: unknown, b: unknown) => (a as Selected).feeder === (b as Selected).feeder && (a as Selected).of === (b as Selected).of,
    _pathType: "open",
    visible,
    getColor: [255, 255, 255, 200],
    getWidth: 5,
    widthUnits: "pixels",
    jointRounded: true,
    capRounded: true,
    pickable: false,
  });
}

export function energyPick(b: EnergyBinary, layerId: string, index: number): string | null {
  if (layerId === "energy-feeders") return b.g.feederIds[index] ?? null;
  if (layerId === "energy-feeders-city") return b.g.feederIds[b.g.feederCity.path[index]] ?? null;
  if (layerId === "energy-substations") return b.g.substationIds[index] ?? null;
  if (layerId === "energy-renewables") return b.g.renewableIds[index] ?? null;
  return null;
}
