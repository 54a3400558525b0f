/**
 * The sea, the coastline, the rivers and the islands as polygons and lines.
 */
import { orientRing, type Projection, type XY } from "./geo";
import type { Landform } from "./landform";
import { ISLAND_NAMES, SEA_NAME } from "./names";
import type { Rng } from "./random";
import type { Island, Named, River, Waters } from "./types";

const COAST_STEP_M = 50;
const RIVER_STEP_M = 40;

/** An island in local metres, kept so later steps can keep farms away from it. */
export interface IslandShape extends Named {
  id: string;
  ring: XY[];
  center: XY;
}

/** Places the islands off the coast, clear of the shore. */
export function placeIslands(rng: Rng, land: Landform): IslandShape[] {
  const col = (k: number, f: number) => {
    const y = land.coastBase(0);
    return land.columnBoundary(k, y) + f * (land.columnBoundary(k + 1, y) - land.columnBoundary(k, y));
  };
  const specs = [
    { x: col(2, 0.55) + rng.range(-400, 400), off: rng.range(3500, 5000), a: 750, b: 380 },
    { x: col(2, 0.12) + rng.range(-300, 300), off: rng.range(1200, 1700), a: 1500, b: 420 },
    { x: col(4, 0.5) + rng.range(-800, 800), off: rng.range(900, 1300), a: 2400, b: 520 },
  ];
  return ISLAND_NAMES.map((names, i) => {
    const s = specs[i];
    const theta = rng.range(-0.35, 0.35);
    const p1 = rng.range(0, 6.283), p2 = rng.range(0, 6.283);
    let cy = land.coastY(s.x) + s.off;
    const shape = (): XY[] => {
      const pts: XY[] = [];
      for (let k = 0; k < 48; k++) {
        const t = (2 * Math.PI * k) / 48;
        const r = 1 + 0.12 * Math.sin(3 * t + p1) + 0.06 * Math.sin(7 * t + p2);
        const px = s.a * r * Math.cos(t), py = s.b * r * Math.sin(t);
        pts.push([s.x + px * Math.cos(theta) - py * Math.sin(theta), cy + px * Math.sin(theta) + py * Math.cos(theta)]);
      }
      return pts;
    };
    let ring = shape();
    for (let tries = 0; tries < 20; tries++) {
      const clearance = Math.min(...ring.map(([x, y]) => y - land.coastY(x)));
      if (clearance >= 200) break;
      cy += 200 - clearance + 10;
      ring = shape();
    }
    return { ...names, ring: orientRing(ring, true), center: [s.x, cy] };
  });
}

/** Builds the coastline, the sea (islands as holes), the rivers and the islands. */
export function buildWaters(land: Landform, islands: readonly IslandShape[], proj: Projection): Waters {
  const ext = Math.max(15000, land.widthM * 0.3);
  const x0 = -land.halfWidthM - ext;
  const x1 = land.halfWidthM + ext;
  const n = Math.ceil((x1 - x0) / COAST_STEP_M);
  const coast: XY[] = [];
  let maxY = -Infinity;
  for (let i = 0; i <= n; i++) {
    const x = x0 + ((x1 - x0) * i) / n;
    const y = land.coastY(x);
    maxY = Math.max(maxY, y);
    coast.push([x, y]);
  }
  const top = maxY + 30000;
  const seaOuter = orientRing<XY>([...coast, [x1, top], [x0, top]], true);
  const toLL = (ring: XY[]) => ring.map(([x, y]) => proj.toLonLat(x, y));
  const sea = [toLL(seaOuter), ...islands.map((isl) => toLL(orientRing(isl.ring, false)))];

  const rivers: River[] = land.rivers.map((r) => {
    const ys: number[] = [];
    const yEnd = r.mouthY + 250;
    const m = Math.ceil((yEnd - r.sourceY) / RIVER_STEP_M);
    for (let i = 0; i <= m; i++) ys.push(r.sourceY + ((yEnd - r.sourceY) * i) / m);
    const left: XY[] = ys.map((y) => [r.centerX(y) - r.halfWidth(y), y]);
    const right: XY[] = ys.map((y) => [r.centerX(y) + r.halfWidth(y), y]);
    const ring = orientRing<XY>([...left, ...right.reverse()], true);
    return {
      id: r.id,
      nameZh: r.nameZh,
      nameEn: r.nameEn,
      centerline: ys.map((y) => proj.toLonLat(r.centerX(y), y)),
      polygon: [toLL(ring)],
      widthM: r.widthM,
    };
  });

  const islandOut: Island[] = islands.map((isl) => ({
    id: isl.id,
    nameZh: isl.nameZh,
    nameEn: isl.nameEn,
    polygon: [toLL(isl.ring)],
  }));

  return {
    coastline: toLL(coast),
    sea,
    seaNameZh: SEA_NAME.nameZh,
    seaNameEn: SEA_NAME.nameEn,
    rivers,
    islands: islandOut,
  };
}
