import { makeProjection, type LonLat, type Projection } from "../city";

/**
 * A flat-top hexagon grid in a local metric projection around the city's centre, the
 * orientation of deck.gl's ColumnLayer with six sides (a vertex points east). Cells are
 * named by axial coordinates (q, r); `cellId` packs them in one integer.
 */
export type HexGrid = {
  /** Distance from a cell's centre to its vertices, metres. */
  radiusM: number;
  projection: Projection;
  cellOf(p: LonLat): { q: number; r: number };
  centerOf(q: number, r: number): LonLat;
};

const SQRT3 = Math.sqrt(3);
const OFFSET = 1 << 15;

/** One integer for a cell (|q|, |r| < 32768). */
export function cellId(q: number, r: number): number {
  return (q + OFFSET) * 65536 + (r + OFFSET);
}

/** The axial coordinates of a cellId. */
export function cellCoords(id: number): { q: number; r: number } {
  return { q: Math.floor(id / 65536) - OFFSET, r: (id % 65536) - OFFSET };
}

/** A hex grid of cells with the given radius around a centre. Requires radiusM > 0. */
export function hexGrid(center: LonLat, radiusM: number): HexGrid {
  if (!(radiusM > 0)) throw new RangeError(`hexGrid: radius must be positive, got ${radiusM}`);
  const projection = makeProjection(center);
  return {
    radiusM,
    projection,
    cellOf(p) {
      const [x, y] = projection.toXY(p);
      const qf = ((2 / 3) * x) / radiusM;
      const rf = ((-1 / 3) * x + (SQRT3 / 3) * y) / radiusM;
      // Cube rounding: round all three, fix the one with the largest error.
      const sf = -qf - rf;
      let q = Math.round(qf), r = Math.round(rf);
      const s = Math.round(sf);
      const dq = Math.abs(q - qf), dr = Math.abs(r - rf), ds = Math.abs(s - sf);
      if (dq > dr && dq > ds) q = -r - s;
      else if (dr > ds) r = -q - s;
      return { q: q + 0, r: r + 0 };
    },
    centerOf(q, r) {
      return projection.toLonLat(radiusM * 1.5 * q, radiusM * SQRT3 * (r + q / 2));
    },
  };
}
