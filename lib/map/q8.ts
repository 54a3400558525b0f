import type { Q8 } from "../api/map-specs";

/** The byte that marks a missing value. */
export const MISSING = 255;

function toBase64(bytes: Uint8Array): string {
  if (typeof Buffer !== "undefined") return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Values (NaN = missing) quantised to one byte each in steps of `scale` (0..254 × scale), MISSING where missing. */
export function quantise(values: ArrayLike<number>, scale: number): Uint8Array {
  if (!(scale > 0)) throw new RangeError(`q8: scale must be positive, got ${scale}`);
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    bytes[i] = Number.isFinite(v) ? Math.max(0, Math.min(254, Math.round(v / scale))) : MISSING;
  }
  return bytes;
}

/** Bytes quantised at `scale` (quantise) as a Q8. */
export const q8Bytes = (bytes: Uint8Array, scale: number): Q8 => ({ scale, data: toBase64(bytes) });

/** Quantises values (NaN = missing) to one byte each in steps of `scale` (0..254 × scale), as base64. */
export function q8(values: ArrayLike<number>, scale: number): Q8 {
  return q8Bytes(quantise(values, scale), scale);
}

/** Decodes a Q8 series to floats, NaN where missing. Runs in Node and in the browser. */
export function decodeQ8(q: Q8): Float32Array {
  const bin = typeof atob === "function" ? atob(q.data) : Buffer.from(q.data, "base64").toString("binary");
  const out = new Float32Array(bin.length);
  for (let i = 0; i < bin.length; i++) {
    const b = bin.charCodeAt(i);
    out[i] = b === MISSING ? Number.NaN : b * q.scale;
  }
  return out;
}
