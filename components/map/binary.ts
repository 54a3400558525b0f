/**
 * Building blocks of deck.gl binary attributes: typed arrays the GPU takes as they are,
 * so hot layers call no accessor per object (deck.gl's "supply attributes directly").
 */
import type { RGBA } from "./traffic-colors";

export type BinaryAttribute = { value: Float64Array | Float32Array | Uint8Array; size: number; normalized?: boolean };
export type PointData = { length: number; attributes: Record<string, BinaryAttribute> };
export type PathData = { length: number; startIndices: Uint32Array; attributes: Record<string, BinaryAttribute> };

/**
 * deck.gl's `dataComparator` for binary data whose geometry is kept while values change: the
 * same length, start indices and position buffer mean the same data. A new value buffer then
 * updates only its own attribute (through `updateTriggers`), instead of deck.gl treating the
 * new data object as new data: re-tessellating every path and re-uploading every attribute.
 */
export function sameGeometry(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = a as Partial<PathData> | null, y = b as Partial<PathData> | null;
  if (!x || !y || x.length !== y.length || x.startIndices !== y.startIndices) return false;
  const pos = (d: Partial<PathData>) => d.attributes?.getPath?.value ?? d.attributes?.getPolygon?.value ?? d.attributes?.getPosition?.value ?? d.attributes?.getSourcePosition?.value;
  return pos(x) !== undefined && pos(x) === pos(y);
}

let stamps = 0;
/** A number that changes whenever a binary's value buffers are rebuilt (for `updateTriggers`). */
export function nextStamp(): number {
  return ++stamps;
}

/** lon, lat pairs to x, y, z triples (z = 0) as the layers' position attributes expect. */
export function xyz(flat: readonly number[]): Float64Array {
  const n = flat.length / 2;
  const out = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[3 * i] = flat[2 * i];
    out[3 * i + 1] = flat[2 * i + 1];
  }
  return out;
}

/** One RGBA per object. */
export function colors(n: number, colorOf: (i: number) => RGBA): Uint8Array {
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) out.set(colorOf(i), 4 * i);
  return out;
}

/** One RGBA per vertex of each path (a PathLayer's binary colours are per vertex). */
export function pathColors(startIndices: Uint32Array, colorOf: (i: number) => RGBA): Uint8Array {
  const n = startIndices.length - 1;
  const out = new Uint8Array(startIndices[n] * 4);
  for (let i = 0; i < n; i++) {
    const c = colorOf(i);
    for (let v = startIndices[i]; v < startIndices[i + 1]; v++) out.set(c, 4 * v);
  }
  return out;
}

/** One number per vertex of each path. */
export function pathValues(startIndices: Uint32Array, valueOf: (i: number) => number): Float32Array {
  const n = startIndices.length - 1;
  const out = new Float32Array(startIndices[n]);
  for (let i = 0; i < n; i++) out.fill(valueOf(i), startIndices[i], startIndices[i + 1]);
  return out;
}

/** One number per object. */
export function values(n: number, valueOf: (i: number) => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = valueOf(i);
  return out;
}
