/**
 * A uniform grid over points in local metres for nearest-neighbour and radius queries.
 */
import type { XY } from "./geo";

/** Grid index of points; items are their positions in the input array. */
export class GridIndex {
  private readonly cells = new Map<number, number[]>();

  constructor(private readonly points: readonly XY[], private readonly cellM: number) {
    points.forEach((p, i) => {
      const key = this.key(Math.floor(p[0] / cellM), Math.floor(p[1] / cellM));
      let cell = this.cells.get(key);
      if (!cell) this.cells.set(key, (cell = []));
      cell.push(i);
    });
  }

  private key(cx: number, cy: number): number {
    return (cx + 32768) * 65536 + (cy + 32768);
  }

  /** Indices of points within `radius` of (x, y), in ascending index order. */
  within(x: number, y: number, radius: number): number[] {
    const out: number[] = [];
    const c0x = Math.floor((x - radius) / this.cellM), c1x = Math.floor((x + radius) / this.cellM);
    const c0y = Math.floor((y - radius) / this.cellM), c1y = Math.floor((y + radius) / this.cellM);
    for (let cx = c0x; cx <= c1x; cx++) {
      for (let cy = c0y; cy <= c1y; cy++) {
        const cell = this.cells.get(this.key(cx, cy));
        if (!cell) continue;
        for (const i of cell) {
          const p = this.points[i];
          if ((p[0] - x) ** 2 + (p[1] - y) ** 2 <= radius * radius) out.push(i);
        }
      }
    }
    return out.sort((a, b) => a - b);
  }

  /** The nearest point within `maxDist` that passes `accept`, or -1. Ties go to the lower index. */
  nearest(x: number, y: number, maxDist: number, accept: (i: number) => boolean = () => true): number {
    let best = -1, bestD = Infinity;
    for (const i of this.within(x, y, maxDist)) {
      if (!accept(i)) continue;
      const p = this.points[i];
      const d = (p[0] - x) ** 2 + (p[1] - y) ** 2;
      if (d < bestD) { bestD = d; best = i; }
    }
    return best;
  }
}
