/**
 * The shape of the land: coastline, rivers, district boundaries, the city's southern edge and
 * the bent street lattice, all as functions of local metres (x east, y north). Everything
 * else in the generator asks the landform where the sea, the rivers and the districts are.
 */
import { gauss, smoothstep, type XY } from "./geo";
import { RIVER_NAMES } from "./names";
import type { Rng } from "./random";
import type { DistrictId, Named } from "./types";

/** Spacing of the street lattice in metres; arterials every 6 steps, collectors every 3. */
export const LATTICE_STEP_M = 165;

/** Width and depth of the default city (size 1) in metres. */
const BASE_WIDTH_M = 21500;
const BASE_DEPTH_M = 6400;

/** Vertices closer to the sea than this are not built on. */
export const COAST_MARGIN_M = 50;

/** A river as a function of y: its centre line x(y) and half-width. */
export interface RiverShape extends Named {
  id: string;
  /** Nominal width upstream, metres. */
  widthM: number;
  centerX(y: number): number;
  halfWidth(y: number): number;
  /** Where the river meets the sea. */
  mouthY: number;
  /** Southernmost y of the drawn river. */
  sourceY: number;
}

/** A Gaussian bay (negative amplitude) or headland (positive) of the large-scale coast. */
interface CoastFeature {
  x: number;
  amplitude: number;
  sigma: number;
}

/** Functions describing the city's land. */
export interface Landform {
  widthM: number;
  depthM: number;
  halfWidthM: number;
  /** Coastline trend (without bays and details) at x. */
  coastBase(x: number): number;
  /** Large-scale coast with its bays and headlands: the streets bend along it. */
  coastLarge(x: number): number;
  /** The actual coastline y at x: land is south of it. */
  coastY(x: number): number;
  /** The city's southern limit at x. */
  southY(x: number): number;
  /** The boundary between the coastal districts and Fushan at x. */
  fushanY(x: number): number;
  /** Column boundaries west to east at y (six values: west edge, four boundaries, east edge). */
  columnBoundary(k: number, y: number): number;
  rivers: RiverShape[];
  isSea(x: number, y: number, margin?: number): boolean;
  /** Inside the city's limits and on land (rivers count as inside). */
  inCity(x: number, y: number): boolean;
  /** Index of the river at (x, y) within `margin` of its banks, or -1. */
  riverAt(x: number, y: number, margin?: number): number;
  /** Index of a river the straight line p→q crosses, or -1. */
  crossesRiver(p: XY, q: XY): number;
  districtAt(x: number, y: number): DistrictId;
  /** Maps lattice coordinates (u east, v inland from the coast) to local metres. */
  lattice(u: number, v: number): XY;
}

/** Column order, west to east; Fushan is cut out of columns 1 and 2 south of `fushanY`. */
const COLUMN_DISTRICTS: readonly DistrictId[] = ["penglai", "devzone", "zhifu", "laishan", "muping"];

/** Builds the landform of a city of the given size from a random stream. */
export function createLandform(rng: Rng, size: number): Landform {
  const widthM = BASE_WIDTH_M * size ** 0.58;
  const depthM = BASE_DEPTH_M * size ** 0.37;
  const halfW = widthM / 2;
  const yNorth = depthM / 2;
  const tilt = rng.range(-0.02, 0.05);

  // Column boundaries as fractions of the width; rivers are the 2nd and 4th boundaries.
  const frac = [0, rng.range(0.14, 0.18), rng.range(0.35, 0.39), rng.range(0.54, 0.58), rng.range(0.77, 0.81), 1];
  const toX = (f: number) => -halfW + f * widthM;

  // Large coast features: a bay off Zhifu plus random bays and headlands.
  const features: CoastFeature[] = [];
  const zhifuX = toX((frac[2] + frac[3]) / 2) + rng.range(-400, 400);
  const bayDepth = Math.min(rng.range(700, 1100), depthM * 0.2);
  features.push({ x: zhifuX, amplitude: -bayDepth, sigma: Math.max(rng.range(1800, 2400), bayDepth * 2.2) });
  const n = Math.max(3, Math.round(widthM / 6000));
  for (let k = 0; k < n; k++) {
    const x = toX((k + 0.5 + rng.range(-0.3, 0.3)) / n);
    if (Math.abs(x - zhifuX) < 3000) continue;
    const amp = rng.range(250, Math.min(800, depthM * 0.15)) * (rng.chance(0.55) ? -1 : 1);
    features.push({ x, amplitude: amp, sigma: Math.max(rng.range(1500, 3000), Math.abs(amp) * 2.2) });
  }
  const details = [
    { a: rng.range(50, 70), p: rng.range(2000, 2600), phi: rng.range(0, 6.283) },
    { a: rng.range(30, 45), p: rng.range(900, 1300), phi: rng.range(0, 6.283) },
    { a: rng.range(12, 20), p: rng.range(380, 520), phi: rng.range(0, 6.283) },
  ];

  const coastBase = (x: number) => yNorth + tilt * x;
  const featureSum = (x: number) => {
    let s = 0;
    for (const f of features) s += f.amplitude * gauss(x, f.x, f.sigma);
    return s;
  };
  const coastLarge = (x: number) => coastBase(x) + featureSum(x);
  const coastY = (x: number) => {
    let y = coastLarge(x);
    for (const d of details) y += d.a * Math.sin((2 * Math.PI * x) / d.p + d.phi);
    return y;
  };

  const southPhase = rng.range(0, 6.283);
  const southY = (x: number) => coastBase(x) - depthM + 180 * Math.sin((2 * Math.PI * x) / 7000 + southPhase);
  const fushanFrac = rng.range(0.48, 0.56);
  const fushanPhase = rng.range(0, 6.283);
  const fushanY = (x: number) =>
    coastBase(x) - fushanFrac * depthM + 220 * Math.sin((2 * Math.PI * x) / 4300 + fushanPhase);

  // Rivers flow north to the sea along a meandering centre line.
  const rivers: RiverShape[] = RIVER_NAMES.map((names, idx) => {
    const x0 = toX(frac[idx === 0 ? 2 : 4]);
    const a1 = rng.range(150, 230), p1 = rng.range(3200, 4200), f1 = rng.range(0, 6.283);
    const a2 = rng.range(40, 70), p2 = rng.range(1300, 1800), f2 = rng.range(0, 6.283);
    const centerX = (y: number) =>
      x0 + a1 * Math.sin((2 * Math.PI * y) / p1 + f1) + a2 * Math.sin((2 * Math.PI * y) / p2 + f2);
    const widthM = idx === 0 ? 130 : 70;
    let mouthY = southY(x0) - 1000;
    while (mouthY < coastY(centerX(mouthY))) mouthY += 10;
    const halfWidth = (y: number) => (widthM / 2) * (1 + 1.2 * smoothstep(mouthY - 1500, mouthY, y));
    return { ...names, widthM, centerX, halfWidth, mouthY, sourceY: southY(x0) - 1500 };
  });

  const boundaryPhases = [rng.range(0, 6.283), rng.range(0, 6.283)];
  const columnBoundary = (k: number, y: number): number => {
    switch (k) {
      case 0: return -halfW;
      case 1: return toX(frac[1]) + 260 * Math.sin((2 * Math.PI * y) / 3700 + boundaryPhases[0]);
      case 2: return rivers[0].centerX(y);
      case 3: return toX(frac[3]) + 260 * Math.sin((2 * Math.PI * y) / 4100 + boundaryPhases[1]);
      case 4: return rivers[1].centerX(y);
      default: return halfW;
    }
  };

  const isSea = (x: number, y: number, margin = 0) => y > coastY(x) - margin;
  const inCity = (x: number, y: number) => x >= -halfW && x <= halfW && y >= southY(x) && !isSea(x, y);
  const riverAt = (x: number, y: number, margin = 0) => {
    for (let i = 0; i < rivers.length; i++) {
      const r = rivers[i];
      if (y < r.sourceY || y > r.mouthY + 300) continue;
      if (Math.abs(x - r.centerX(y)) < r.halfWidth(y) + margin) return i;
    }
    return -1;
  };
  const crossesRiver = (p: XY, q: XY) => {
    for (let i = 0; i < rivers.length; i++) {
      const r = rivers[i];
      if (Math.max(p[1], q[1]) < r.sourceY || Math.min(p[1], q[1]) > r.mouthY + 300) continue;
      const sp = p[0] - r.centerX(p[1]);
      const sq = q[0] - r.centerX(q[1]);
      if (sp === 0 || sq === 0 || sp > 0 !== sq > 0) return i;
    }
    return -1;
  };
  const districtAt = (x: number, y: number): DistrictId => {
    let col = 0;
    while (col < 4 && x >= columnBoundary(col + 1, y)) col++;
    if ((col === 1 || col === 2) && y < fushanY(x)) return "fushan";
    return COLUMN_DISTRICTS[col];
  };

  // Lattice: rows follow the large coast near the sea and straighten inland; a gentle warp
  // keeps the grid from looking ruled.
  const fadeM = 3500;
  const w = Array.from({ length: 4 }, () => rng.range(0, 6.283));
  const lattice = (u: number, v: number): XY => {
    const fade = Math.exp(-Math.max(0, v) / fadeM);
    const wx = 85 * Math.sin(2 * Math.PI * (u / 4100 + v / 6300) + w[0]) + 55 * Math.sin((2 * Math.PI * v) / 2900 + w[1]);
    const wy = 75 * Math.sin((2 * Math.PI * u) / 5300 + w[2]) + 45 * Math.sin(2 * Math.PI * (u / 2300 - v / 3700) + w[3]);
    return [u + wx, coastBase(u) + featureSum(u) * fade - v + wy];
  };

  return {
    widthM, depthM, halfWidthM: halfW,
    coastBase, coastLarge, coastY, southY, fushanY, columnBoundary,
    rivers, isSea, inCity, riverAt, crossesRiver, districtAt, lattice,
  };
}
