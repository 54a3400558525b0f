import { SolidPolygonLayer } from "@deck.gl/layers";
import { pathColors, sameGeometry, type BinaryAttribute, type PathData } from "./binary";
import type { RGBA } from "./traffic-colors";

/** A hexagon's ring: its 6 corners and the first again, closing it (SolidPolygonLayer's unnormalized rings are closed). */
const RING = 7;
/** Web Mercator's sphere (deck.gl's and MapLibre's). */
const EARTH_RADIUS_M = 6_378_137;

/** Closed hexagon rings, one per cell, in SolidPolygonLayer's binary layout (lon, lat pairs). */
export type HexagonRings = { length: number; startIndices: Uint32Array; polygon: BinaryAttribute };

/**
 * Hexagons of `radiusM` (centre to corner) around each centre (x, y, z triples), flat-topped
 * with a corner due east, as deck.gl's ColumnLayer draws `diskResolution: 6`, so the cells
 * tile as they did. Each corner is offset in metres at its centre's latitude, as ColumnLayer's
 * offsets are (Web Mercator keeps shapes: a metre east and a metre north are the same size
 * there), and counter-clockwise.
 */
export function hexagonRings(centres: Float64Array, radiusM: number): HexagonRings {
  const n = centres.length / 3;
  const positions = new Float64Array(n * RING * 2);
  const startIndices = new Uint32Array(n + 1);
  const dLat = (radiusM / EARTH_RADIUS_M) * (180 / Math.PI);
  for (let i = 0, o = 0; i < n; i++) {
    startIndices[i] = i * RING;
    const lon = centres[3 * i], lat = centres[3 * i + 1];
    const dLon = dLat / Math.cos((lat * Math.PI) / 180);
    for (let k = 0; k < RING; k++) {
      const a = ((k % 6) * Math.PI) / 3;
      positions[o++] = lon + dLon * Math.cos(a);
      positions[o++] = lat + dLat * Math.sin(a);
    }
  }
  startIndices[n] = n * RING;
  return { length: n, startIndices, polygon: { value: positions, size: 2 } };
}

/** Binary polygon data of the rings with one colour per cell (repeated for its ring's corners, as the layer takes them). */
export function hexagonData(rings: HexagonRings, colorOf: (i: number) => RGBA): PathData {
  return {
    length: rings.length,
    startIndices: rings.startIndices,
    attributes: { getPolygon: rings.polygon, getFillColor: { value: pathColors(rings.startIndices, colorOf), size: 4, normalized: true } },
  };
}

/**
 * A city's hexagon backdrop (response times, consumption) as flat polygons: one indexed draw of
 * 4 triangles a cell, tessellated once per geometry. ColumnLayer drew each cell as an instance,
 * and Chromium's software WebGL (SwiftShader, as on this machine) pays per instance (README,
 * "The city maps"). New colours keep the geometry (`sameGeometry`): only the colours are
 * uploaded again, when `stamp` changes.
 */
export function hexagonLayer(id: string, data: PathData, stamp: number, visible: boolean) {
  return new SolidPolygonLayer({
    id,
    data,
    dataComparator: sameGeometry,
    updateTriggers: { getFillColor: stamp },
    // The rings are made here, closed and counter-clockwise: no normalization per update.
    _normalize: false,
    _windingOrder: "CCW",
    positionFormat: "XY",
    filled: true,
    extruded: false,
    visible,
    pickable: false,
  });
}
