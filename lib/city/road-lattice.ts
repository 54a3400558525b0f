/**
 * Lays streets on the bent lattice of the landform: arterials every sixth line, collectors
 * every third, local streets between them (thinned out in suburbs and absent in parks), ring
 * roads and a southern expressway on arterial lines, bridges where major roads cross rivers,
 * nothing in the sea. Output is a list of raw edges between lattice vertices.
 */
import { smoothstep, type XY } from "./geo";
import { COAST_MARGIN_M, LATTICE_STEP_M, type Landform } from "./landform";
import { districtDef } from "./names";
import type { ParkShape } from "./parks";
import { hashUnit } from "./random";
import type { Named, RoadClass } from "./types";

const LAND = 0;
const RIVER = 1;
const OUT = 2;
const PARK = 3;

/** Longest river gap (in lattice steps) a bridge may span. */
const MAX_BRIDGE_STEPS = 5;

/** A special road (ring or expressway) laid on lattice lines. */
export interface SpecialRoad extends Named {
  key: string;
  ring: boolean;
  freeFlowKmh: number;
}

/** An edge between two lattice vertices. */
export interface LatticeEdge {
  /** Graph node keys: vertex index × 2, plus 1 for the lower level under an expressway. */
  a: number;
  b: number;
  /** Vertex indices into `xy`. */
  va: number;
  vb: number;
  cls: RoadClass;
  /** The lattice line the edge lies on. */
  lineId: number;
  orientation: "h" | "v";
  /** Identity of the road (named per district section). */
  roadKey: string;
  bridge: boolean;
}

/** The lattice's vertices and edges. */
export interface Lattice {
  /** Vertex coordinates, x and y interleaved. */
  xy: Float64Array;
  edges: LatticeEdge[];
  special: Map<string, SpecialRoad>;
}

interface RingSpec extends SpecialRoad {
  iW: number;
  iE: number;
  jR: number;
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

/** Builds the street lattice of a landform. */
export function buildLattice(land: Landform, parks: readonly ParkShape[], seedHash: number, size: number): Lattice {
  const s = LATTICE_STEP_M;
  const iMin = Math.floor(-land.halfWidthM / s) - 2;
  const iMax = Math.ceil(land.halfWidthM / s) + 2;
  const ni = iMax - iMin + 1;
  const nj = Math.ceil((land.depthM + 1400) / s) + 1;
  const count = ni * nj;
  const xy = new Float64Array(count * 2);
  const state = new Uint8Array(count);
  const express = new Uint8Array(count);
  const vIndex = (iAbs: number, j: number) => j * ni + (iAbs - iMin);

  for (let j = 0; j < nj; j++) {
    for (let iAbs = iMin; iAbs <= iMax; iAbs++) {
      const v = vIndex(iAbs, j);
      const [x, y] = land.lattice(iAbs * s, j * s);
      xy[2 * v] = x;
      xy[2 * v + 1] = y;
      let st = LAND;
      if (!land.inCity(x, y) || land.isSea(x, y, COAST_MARGIN_M)) st = OUT;
      else if (land.riverAt(x, y, 30) >= 0) st = RIVER;
      else if (parks.some((p) => Math.abs(p.center[0] - x) < p.radius && Math.abs(p.center[1] - y) < p.radius && p.contains(x, y))) st = PARK;
      state[v] = st;
    }
  }

  // Ring roads around the old centre and an expressway along the south, all on arterial lines.
  const ic = 6 * Math.round(land.columnBoundary(3, land.coastBase(0)) / s / 6);
  const rings: RingSpec[] = [];
  const hw1 = 6 * Math.max(2, Math.round((land.widthM * 0.14) / (6 * s)));
  const jR1 = 1 + 6 * Math.max(2, Math.round((0.45 * land.depthM) / (6 * s)));
  rings.push({ key: "ring-inner", nameZh: "内环快速路", nameEn: "Inner Ring Expressway", ring: true, freeFlowKmh: 80, iW: ic - hw1, iE: ic + hw1, jR: jR1 });
  if (size >= 2) {
    const hw2 = Math.max(hw1 + 12, 6 * Math.round((land.widthM * 0.27) / (6 * s)));
    const jR2 = 1 + 6 * Math.round((0.72 * land.depthM) / (6 * s));
    if (jR2 >= jR1 + 6) {
      rings.push({ key: "ring-outer", nameZh: "外环快速路", nameEn: "Outer Ring Expressway", ring: true, freeFlowKmh: 80, iW: ic - hw2, iE: ic + hw2, jR: jR2 });
    }
  }
  const jE = 1 + 6 * Math.floor((0.9 * land.depthM) / (6 * s));
  const highway: SpecialRoad = { key: "expressway-g18", nameZh: "荣乌高速", nameEn: "Rongwu Expressway (G18)", ring: false, freeFlowKmh: 100 };
  const special = new Map<string, SpecialRoad>([[highway.key, highway]]);
  for (const r of rings) special.set(r.key, r);

  for (let iAbs = iMin; iAbs <= iMax; iAbs++) express[vIndex(iAbs, jE)] = 1;
  for (const r of rings) {
    for (let iAbs = r.iW; iAbs <= r.iE; iAbs++) if (iAbs >= iMin && iAbs <= iMax) express[vIndex(iAbs, r.jR)] = 1;
    for (let j = 0; j <= r.jR && j < nj; j++) {
      if (r.iW >= iMin) express[vIndex(r.iW, j)] = 1;
      if (r.iE <= iMax) express[vIndex(r.iE, j)] = 1;
    }
  }

  const expressFor = (o: "h" | "v", line: number, a: number, b: number): SpecialRoad | null => {
    const lo = Math.min(a, b), hi = Math.max(a, b);
    if (o === "h") {
      if (line === jE) return highway;
      for (const r of rings) if (line === r.jR && lo >= r.iW && hi <= r.iE) return r;
    } else {
      for (const r of rings) if ((line === r.iW || line === r.iE) && hi <= r.jR) return r;
    }
    return null;
  };

  const keepProbability = (x: number, y: number, cls: RoadClass): number => {
    const urbanity = districtDef(land.districtAt(x, y)).urbanity;
    const depthFrac = (land.coastBase(x) - y) / land.depthM;
    const rural = Math.max(smoothstep(0.5, 1.0, depthFrac), smoothstep(0.8, 1.0, Math.abs(x) / land.halfWidthM));
    if (cls === "collector") return (0.78 + 0.22 * urbanity) * (1 - 0.15 * rural);
    return (0.45 + 0.55 * urbanity) * (1 - 0.35 * rural);
  };

  const edges: LatticeEdge[] = [];
  const P: XY = [0, 0], Q: XY = [0, 0];

  const tryEdge = (
    o: "h" | "v", line: number, lineId: number, baseClass: RoadClass,
    va: number, vb: number, posA: number, posB: number, gap: boolean,
  ) => {
    P[0] = xy[2 * va]; P[1] = xy[2 * va + 1];
    Q[0] = xy[2 * vb]; Q[1] = xy[2 * vb + 1];
    const mx = (P[0] + Q[0]) / 2, my = (P[1] + Q[1]) / 2;
    if (!land.inCity(mx, my)) return;
    for (const t of [0.25, 0.5, 0.75]) {
      if (land.isSea(P[0] + (Q[0] - P[0]) * t, P[1] + (Q[1] - P[1]) * t, 20)) return;
    }
    const sp = expressFor(o, line, posA, posB);
    const cls: RoadClass = sp ? "expressway" : baseClass;
    if (cls === "local" || cls === "collector") {
      if (!sp) {
        const pieceLen = cls === "local" ? 3 : 6;
        const piece = Math.floor(Math.min(posA, posB) / pieceLen);
        if (hashUnit(seedHash, lineId, piece, 1) >= keepProbability(mx, my, cls)) return;
        if (cls === "local" && hashUnit(seedHash, lineId, Math.min(posA, posB), 2) < 0.03) return;
      }
    }
    const crossing = land.crossesRiver(P, Q) >= 0 || land.riverAt(mx, my, 0) >= 0;
    const bridge = gap || crossing;
    if (bridge && (cls === "local" || o === "v")) return;
    const under = (v: number) => (express[v] && !sp && baseClass !== "arterial" ? 1 : 0);
    const roadKey = sp ? sp.key : `${o}${line}:${land.districtAt(mx, my)}`;
    edges.push({
      a: va * 2 + under(va), b: vb * 2 + under(vb), va, vb, cls, lineId, orientation: o, roadKey, bridge,
    });
  };

  const walk = (o: "h" | "v", line: number, lineId: number, baseClass: RoadClass, from: number, to: number, vertexAt: (pos: number) => number) => {
    let hasPrev = false;
    let prev = 0;
    let gap = false;
    for (let pos = from; pos <= to; pos++) {
      const v = vertexAt(pos);
      const st = state[v];
      const usable = st === LAND || (st === PARK && baseClass !== "local");
      if (usable) {
        if (hasPrev) {
          const steps = pos - prev;
          // Only east-west lines bridge rivers; north-south lines would follow the meanders.
          if (steps === 1 || (gap && o === "h" && baseClass !== "local" && steps <= MAX_BRIDGE_STEPS)) {
            tryEdge(o, line, lineId, baseClass, vertexAt(prev), v, prev, pos, steps > 1);
          }
        }
        hasPrev = true;
        prev = pos;
        gap = false;
      } else if (st === RIVER && hasPrev) {
        gap = true;
      } else {
        hasPrev = false;
        gap = false;
      }
    }
  };

  for (let j = 0; j < nj; j++) {
    const m = mod(j, 6);
    const cls: RoadClass = m === 1 ? "arterial" : m === 4 ? "collector" : "local";
    walk("h", j, j * 2, cls, iMin, iMax, (i) => vIndex(i, j));
  }
  for (let iAbs = iMin; iAbs <= iMax; iAbs++) {
    const m = mod(iAbs, 6);
    const cls: RoadClass = m === 0 ? "arterial" : m === 3 ? "collector" : "local";
    walk("v", iAbs, (iAbs - iMin) * 2 + 1, cls, 0, nj - 1, (j) => vIndex(iAbs, j));
  }

  return { xy, edges, special };
}
