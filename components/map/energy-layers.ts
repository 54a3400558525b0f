import { ColumnLayer, PathLayer } from "@deck.gl/layers";
import type { EnergyFeatures } from "@/lib/api/map-specs";
import type { RenewableKind } from "@/lib/city/types";
import { colors, nextStamp, pathColors, pathValues, sameGeometry, values, xyz, type BinaryAttribute, type PathData, type PointData } from "./binary";
import { loadColor, magnitudeColor, OUTAGE_COLOR, RENEWABLE_COLORS } from "./palettes";
import type { EnergyValues } from "./layer-values";
import type { LayerSettings } from "./traffic-layers";
import { outlinedPointLayer, selectedIndex } from "./point-symbols";
import { simplifyPaths } from "@/lib/map/simplify-paths";

export type EnergyGeometry = {
  feederIds: string[];
  feederStarts: Uint32Array;
  feederPath: Float64Array;
  /**
   * The feeders as drawn below CITY_DETAIL_ZOOM: each thinned to what half a pixel at that zoom
   * shows (a feeder averages 17 vertices, and a PathLayer draws one instance per vertex).
   */
  feederCityStarts: Uint32Array;
  substationIds: string[];
  substationPos: Float64Array;
  substationRadius: Float32Array;
  renewableIds: string[];
  renewablePos: Float64Array;
  renewableRadius: Float32Array;
  renewableKind: RenewableKind[];
  cellPos: Float64Array;
  cellRadiusM: number;
  /** Position attributes and radii, one object each for the geometry's life (deck.gl compares them). */
  attr: { feederPath: BinaryAttribute; feederCityPath: BinaryAttribute; substationPos: BinaryAttribute; substationRadius: BinaryAttribute; renewablePos: BinaryAttribute; renewableRadius: BinaryAttribute; cellPos: BinaryAttribute };
};

export function energyGeometry(f: EnergyFeatures): EnergyGeometry {
  const city = simplifyPaths({ startIndices: f.feeders.startIndices, positions: f.feeders.path }, CITY_DETAIL_ZOOM, 0.5);
  const g = {
    feederIds: f.feeders.ids,
    feederStarts: Uint32Array.from(f.feeders.startIndices),
    feederPath: Float64Array.from(f.feeders.path),
    feederCityStarts: city.startIndices,
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
  return {
    ...g,
    attr: {
      feederPath: { value: g.feederPath, size: 2 },
      feederCityPath: { value: city.positions, size: 2 },
      substationPos: { value: g.substationPos, size: 3 },
      substationRadius: { value: g.substationRadius, size: 1 },
      renewablePos: { value: g.renewablePos, size: 3 },
      renewableRadius: { value: g.renewableRadius, size: 1 },
      cellPos: { value: g.cellPos, size: 3 },
    },
  };
}

/** Below this zoom (the whole city on screen) point symbols are drawn smaller. */
export const CITY_DETAIL_ZOOM = 12;

export type EnergyBinary = {
  cells: PointData;
  /** Whether any cell has a value (cells without one are transparent: not drawn at all). */
  cellValues: boolean;
  feeders: PathData;
  /** The feeders at city zoom (simplified geometry, the same colours). */
  feedersCity: PathData;
  substations: PointData;
  renewables: PointData;
  g: EnergyGeometry;
  stamp: number;
};

/** Feeder paths coloured by load against capacity (outages wider, in reddish purple). */
function feederData(starts: Uint32Array, path: BinaryAttribute, v: EnergyValues | null): PathData {
  return {
    length: starts.length - 1,
    startIndices: starts,
    attributes: {
      getPath: path,
      getColor: { value: pathColors(starts, (i) => (v?.feederOut[i] ? OUTAGE_COLOR : loadColor(v ? v.feederUtil[i] : null, 230))), size: 4, normalized: true },
      getWidth: { value: pathValues(starts, (i) => (v?.feederOut[i] ? 6 : 3)), size: 1 },
    },
  };
}

/** Binary attributes of the energy layer for one set of values. */
export function energyBinary(g: EnergyGeometry, v: EnergyValues | null): EnergyBinary {
  const nc = g.cellPos.length / 3;
  const max = v && v.cellMax > 0 ? v.cellMax : 1;
  return {
    cells: {
      length: nc,
      attributes: {
        getPosition: g.attr.cellPos,
        getFillColor: { value: colors(nc, (i) => (v && Number.isFinite(v.cellLoad[i]) ? magnitudeColor(Math.sqrt(v.cellLoad[i] / max)) : [0, 0, 0, 0])), size: 4, normalized: true },
      },
    },
    feeders: feederData(g.feederStarts, g.attr.feederPath, v),
    feedersCity: feederData(g.feederCityStarts, g.attr.feederCityPath, v),
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
  const feederLayer = (id: string, data: PathData, visible: boolean) =>
    new PathLayer({
      id,
      data,
      ...keep,
      _pathType: "open",
      visible,
      widthUnits: "pixels",
      widthMinPixels: 2,
      jointRounded: true,
      capRounded: true,
      pickable: true,
      highlightedObjectIndex: selectedIndex(b.g.feederIds, s),
      highlightColor: [255, 255, 255, 200],
    });
  return [
    new ColumnLayer({
      id: "energy-cells",
      data: b.cells,
      ...keep,
      visible: s.visible && b.cellValues,
      diskResolution: 6,
      radius: b.g.cellRadiusM,
      coverage: 0.94,
      extruded: false,
      stroked: false,
      pickable: false,
    }),
    // Full feeder paths from street zoom, made once the map has been there; simplified ones below it.
    ...(s.streets === false ? [] : [feederLayer("energy-feeders", b.feeders, s.visible && !city)]),
    feederLayer("energy-feeders-city", b.feedersCity, s.visible && city),
    // Smaller at city zoom, where 200 substations at full size cover the districts.
    outlinedPointLayer("energy-substations", b.substations, b.g.substationIds, s, keep, { radiusScale: city ? 0.55 : 1, lineColor: [241, 245, 249, 255], lineWidth: city ? 1 : 2, highlightAlpha: 160 }),
    outlinedPointLayer("energy-renewables", b.renewables, b.g.renewableIds, s, keep, { radiusScale: city ? 0.7 : 1, lineColor: [15, 23, 42, 255], lineWidth: 1.5, highlightAlpha: 160 }),
  ];
}

export function energyPick(b: EnergyBinary, layerId: string, index: number): string | null {
  if (layerId === "energy-feeders" || layerId === "energy-feeders-city") return b.g.feederIds[index] ?? null;
  if (layerId === "energy-substations") return b.g.substationIds[index] ?? null;
  if (layerId === "energy-renewables") return b.g.renewableIds[index] ?? null;
  return null;
}
