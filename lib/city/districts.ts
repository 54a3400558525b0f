/**
 * District polygons traced from the landform's boundaries: the coastline on top, column
 * boundaries (two of them rivers) on the sides, and the city's southern edge or Fushan's
 * boundary below.
 */
import { orientRing, pointInRing, signedArea, type Projection, type XY } from "./geo";
import type { Landform } from "./landform";
import { DISTRICT_DEFS } from "./names";
import type { District, DistrictId, GeneratedDistrictId } from "./types";

const TRACE_STEP_M = 60;

/** The four sides of a district in local metres. */
interface DistrictSides {
  left: (y: number) => number;
  right: (y: number) => number;
  top: (x: number) => number;
  bottom: (x: number) => number;
}

/** A traced district in local metres, kept for later placement decisions. */
export interface DistrictShape {
  id: DistrictId;
  ring: XY[];
  areaM2: number;
  label: XY;
}

function sidesOf(id: GeneratedDistrictId, land: Landform): DistrictSides {
  const col = (k: number) => (y: number) => land.columnBoundary(k, y);
  switch (id) {
    case "penglai": return { left: col(0), right: col(1), top: land.coastY, bottom: land.southY };
    case "devzone": return { left: col(1), right: col(2), top: land.coastY, bottom: land.fushanY };
    case "zhifu": return { left: col(2), right: col(3), top: land.coastY, bottom: land.fushanY };
    case "fushan": return { left: col(1), right: col(3), top: land.fushanY, bottom: land.southY };
    case "laishan": return { left: col(3), right: col(4), top: land.coastY, bottom: land.southY };
    case "muping": return { left: col(4), right: col(5), top: land.coastY, bottom: land.southY };
  }
}

/** Where the curve x = side(y) meets y = curve(x), by fixed-point iteration. */
function meet(side: (y: number) => number, curve: (x: number) => number, yGuess: number): XY {
  let y = yGuess;
  for (let i = 0; i < 60; i++) {
    const next = curve(side(y));
    if (Math.abs(next - y) < 0.01) {
      y = next;
      break;
    }
    y = next;
  }
  return [side(y), y];
}

function sampleRange(a: number, b: number): number[] {
  const n = Math.max(1, Math.ceil(Math.abs(b - a) / TRACE_STEP_M));
  return Array.from({ length: n + 1 }, (_, i) => a + ((b - a) * i) / n);
}

/** Traces one district's outline in local metres (counter-clockwise, closed). */
function traceDistrict(id: GeneratedDistrictId, land: Landform): DistrictShape {
  const s = sidesOf(id, land);
  const guessTop = land.coastBase(0);
  const guessBottom = land.coastBase(0) - land.depthM;
  const lt = meet(s.left, s.top, guessTop);
  const rt = meet(s.right, s.top, guessTop);
  const rb = meet(s.right, s.bottom, guessBottom);
  const lb = meet(s.left, s.bottom, guessBottom);
  const ring: XY[] = [];
  const push = (p: XY) => {
    const last = ring[ring.length - 1];
    if (!last || Math.abs(last[0] - p[0]) > 1e-6 || Math.abs(last[1] - p[1]) > 1e-6) ring.push(p);
  };
  for (const x of sampleRange(lt[0], rt[0])) push([x, s.top(x)]);
  for (const y of sampleRange(rt[1], rb[1])) push([s.right(y), y]);
  for (const x of sampleRange(rb[0], lb[0])) push([x, s.bottom(x)]);
  for (const y of sampleRange(lb[1], lt[1])) push([s.left(y), y]);
  const closed = orientRing(ring, true);
  // Label: middle of the district between its sides and between top and bottom.
  let lx = (lt[0] + rt[0] + lb[0] + rb[0]) / 4;
  let ly = (s.top(lx) + s.bottom(lx)) / 2;
  for (let i = 0; i < 3; i++) {
    lx = (s.left(ly) + s.right(ly)) / 2;
    ly = (s.top(lx) + s.bottom(lx)) / 2;
  }
  if (!pointInRing([lx, ly], closed)) [lx, ly] = closed[0];
  return { id, ring: closed, areaM2: Math.abs(signedArea(closed)), label: [lx, ly] };
}

/** Traces every district in local metres. */
export function traceDistricts(land: Landform): DistrictShape[] {
  return DISTRICT_DEFS.map((def) => traceDistrict(def.id, land));
}

/** Converts traced districts to the model's districts. */
export function toDistricts(shapes: readonly DistrictShape[], proj: Projection): District[] {
  return shapes.map((shape) => {
    const def = DISTRICT_DEFS.find((d) => d.id === shape.id)!;
    return {
      id: def.id,
      nameZh: def.nameZh,
      nameEn: def.nameEn,
      polygon: [shape.ring.map(([x, y]) => proj.toLonLat(x, y))],
      labelPoint: proj.toLonLat(shape.label[0], shape.label[1]),
      areaKm2: Math.round(shape.areaM2 / 1e4) / 100,
    };
  });
}
