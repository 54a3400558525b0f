import { ColumnLayer, PathLayer } from "@deck.gl/layers";
import type { AccessNote, MapLayerId, ScopedCellFrames, ScopedCells } from "@/lib/api/map-specs";
import { decodeQ8 } from "@/lib/map/q8";
import { loadColor, magnitudeColor, trafficColor } from "./palettes";

/**
 * Datasets the viewer holds anonymized or aggregated, drawn as cells (grid points or
 * hexagons coloured by the mean of one field; suppressed hexagons grey with no value), and
 * the areas of grants limited to one, outlined. Pure: runs in Node for tests.
 */

export type CellDraw = {
  datasetId: string;
  layer: MapLayerId;
  scope: "anonymized" | "aggregated";
  shape: "grid" | "hex";
  sizeM: number;
  k: number | null;
  field: string | null;
  ids: string[];
  position: [number, number][];
  value: (number | null)[];
  suppressed: boolean[];
};

/** The field a dataset's cells are coloured by, when granted (else the first granted one). */
export const DISPLAY_FIELD: Record<string, string> = {
  "traffic.flow": "speedKmh",
  "energy.load": "utilisation",
  "safety.cameras": "vehiclesPerMin",
  "safety.incidents": "severity",
  "reports.citizen": "reports",
};

export function layerOfDataset(id: string): MapLayerId {
  return id.startsWith("traffic.") ? "traffic" : id.startsWith("energy.") ? "energy" : id.startsWith("reports.") ? "citizen" : "safety";
}

const pairs = (flat: number[]) => Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]] as [number, number]);

/** Cells of a live answer's `scoped` datasets. */
export function cellsFromLatest(scoped: readonly ScopedCells[] | undefined): CellDraw[] {
  return (scoped ?? []).map((c) => {
    const f = c.fields.find((x) => x.key === DISPLAY_FIELD[c.datasetId]) ?? c.fields[0];
    return {
      datasetId: c.datasetId,
      layer: layerOfDataset(c.datasetId),
      scope: c.scope,
      shape: c.shape,
      sizeM: c.sizeM,
      k: c.k,
      field: f?.key ?? null,
      ids: c.ids,
      position: pairs(c.position),
      value: f ? f.values : c.ids.map(() => null),
      suppressed: c.suppressed,
    };
  });
}

/** Cells of replay frames' `scoped` datasets at bucket `b`. */
export function cellsFromFrames(scoped: readonly ScopedCellFrames[] | undefined, b: number): CellDraw[] {
  return (scoped ?? []).map((c) => {
    const w = c.ids.length;
    const values = decodeQ8(c.q), state = decodeQ8(c.state);
    const value: (number | null)[] = [], suppressed: boolean[] = [];
    for (let i = 0; i < w; i++) {
      const s = state[b * w + i];
      const v = values[b * w + i];
      suppressed.push(s === 1);
      value.push(s === 2 && Number.isFinite(v) ? v : null);
    }
    return {
      datasetId: c.datasetId, layer: layerOfDataset(c.datasetId), scope: c.scope, shape: c.shape, sizeM: c.sizeM, k: c.k,
      field: c.field.key, ids: c.ids, position: pairs(c.position), value, suppressed,
    };
  });
}

/** How many cells carry a value or are marked suppressed (what the layer draws). */
export function cellCount(cells: readonly CellDraw[], layer: MapLayerId): number {
  let n = 0;
  for (const c of cells) if (c.layer === layer) for (let i = 0; i < c.ids.length; i++) if (c.value[i] !== null || c.suppressed[i]) n++;
  return n;
}

export type AreaDraw = { datasetId: string; layer: MapLayerId; path: [number, number][] };

/** A circle of `radiusM` around `center` as a closed path (equirectangular, as the access check measures). */
export function circlePath(center: readonly [number, number], radiusM: number, steps = 72): [number, number][] {
  const [lon, lat] = center;
  const dLat = radiusM / 110_540, dLon = radiusM / (111_320 * Math.cos((lat * Math.PI) / 180));
  const out: [number, number][] = [];
  for (let i = 0; i <= steps; i++) {
    const a = (2 * Math.PI * i) / steps;
    out.push([lon + dLon * Math.cos(a), lat + dLat * Math.sin(a)]);
  }
  return out;
}

/** The areas of the grants the notes carry, one per dataset. */
export function areasOf(notes: readonly AccessNote[] | undefined): AreaDraw[] {
  const out: AreaDraw[] = [];
  for (const n of notes ?? []) {
    const area = n.allowed ? (n as { area?: { center: [number, number]; radiusM: number } }).area : undefined;
    if (area) out.push({ datasetId: n.datasetId, layer: layerOfDataset(n.datasetId), path: circlePath(area.center, area.radiusM) });
  }
  return out;
}

type Cell = { position: [number, number]; color: [number, number, number, number]; suppressed: boolean; id: string };

export const SUPPRESSED_FILL: [number, number, number, number] = [148, 163, 184, 80];
export const AREA_COLOR: [number, number, number, number] = [250, 204, 21, 230];

/**
 * Fill colour of each cell, in the same meaning as the raw layer it stands for: mean speed
 * in the five traffic grades (a cell mixes road classes, so it is graded on the arterial
 * thresholds, the middle of the convention), utilisation on the load ramp, any other field
 * as a share of the largest value (viridis). Suppressed cells grey, no data transparent.
 */
export function cellColors(c: CellDraw): [number, number, number, number][] {
  const alpha = 190;
  let color: (v: number) => [number, number, number, number];
  if (c.field === "speedKmh") color = (v) => trafficColor(v, "arterial", alpha);
  else if (c.field === "utilisation") color = (v) => loadColor(v, alpha);
  else {
    let max = 0;
    for (const v of c.value) if (v !== null && v > max) max = v;
    color = (v) => magnitudeColor(max > 0 ? Math.sqrt(v / max) : 0, alpha);
  }
  return c.ids.map((_, i) => {
    if (c.suppressed[i]) return SUPPRESSED_FILL;
    const v = c.value[i];
    return v === null ? [0, 0, 0, 0] : color(v);
  });
}

/** Pure layer factory: the cells of every scoped dataset and the grants' areas, for the active layers. */
export function scopedLayers(cells: readonly CellDraw[], areas: readonly AreaDraw[], visible: (l: MapLayerId) => boolean) {
  const out = [];
  for (const c of cells) {
    const colors = cellColors(c);
    const data: Cell[] = c.ids.map((id, i) => ({ id, position: c.position[i], color: colors[i], suppressed: c.suppressed[i] }));
    out.push(
      new ColumnLayer<Cell>({
        id: `scoped-cells-${c.datasetId}`,
        data,
        visible: visible(c.layer),
        diskResolution: c.shape === "hex" ? 6 : 4,
        angle: c.shape === "hex" ? 0 : 45,
        // A grid point stands for a 0.01° square: a diamond turned square, a little smaller.
        radius: c.shape === "hex" ? c.sizeM : c.sizeM * 0.45,
        coverage: 0.92,
        extruded: false,
        stroked: true,
        getPosition: (d) => d.position,
        getFillColor: (d) => d.color,
        getLineColor: (d) => (d.suppressed ? [226, 232, 240, 200] : [15, 23, 42, 120]),
        lineWidthUnits: "pixels",
        getLineWidth: 1,
        pickable: false,
      }),
    );
  }
  if (areas.length) {
    out.push(
      new PathLayer<AreaDraw>({
        id: "scoped-areas",
        data: areas.filter((a) => visible(a.layer)),
        getPath: (d) => d.path,
        getColor: AREA_COLOR,
        widthUnits: "pixels",
        getWidth: 3,
        pickable: false,
      }),
    );
  }
  return out;
}
