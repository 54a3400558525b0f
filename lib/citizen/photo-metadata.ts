// Photo checks and location stripping, pure (runs in the browser before hashing and signing,
// and on the server, which stores only what it hashed). JPEG and PNG are accepted. Stripping
// removes every metadata block that can carry a location: JPEG APP1 Exif and XMP segments,
// PNG eXIf chunks and XMP iTXt chunks. Removing all of Exif (not only its GPS directory) also
// drops the camera's serial number and timestamps; the cost is the Exif orientation flag.

import { concatBytes } from "../ledger/encoding";

export type PhotoMime = "image/jpeg" | "image/png";

/** The image type of `b` by its magic bytes, or null when it is neither JPEG nor PNG. */
export function sniffPhoto(b: Uint8Array): PhotoMime | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length >= 8 && png.every((v, i) => b[i] === v)) return "image/png";
  return null;
}

const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, Math.min(b.length, at + n)));
const EXIF_ID = "Exif\0\0";
const XMP_ID = "http://ns.adobe.com/xap/1.0/\0";

/** Thrown for a photo whose structure cannot be walked (truncated, not the type it claims). */
export class PhotoFormatError extends Error {}

/** JPEG segments before the scan: [marker, start, end) of each, and where the scan begins. */
function jpegSegments(b: Uint8Array): { segments: { marker: number; start: number; end: number }[]; scan: number } {
  const segments: { marker: number; start: number; end: number }[] = [];
  let i = 2;
  while (i < b.length) {
    if (b[i] !== 0xff) throw new PhotoFormatError(`JPEG: expected a marker at byte ${i}`);
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xda) return { segments, scan: i };
    if (marker === 0xd9) return { segments, scan: i };
    if (i + 4 > b.length) throw new PhotoFormatError("JPEG: truncated segment header");
    const len = (b[i + 2] << 8) | b[i + 3];
    if (len < 2 || i + 2 + len > b.length) throw new PhotoFormatError(`JPEG: segment at byte ${i} runs past the end`);
    segments.push({ marker, start: i, end: i + 2 + len });
    i += 2 + len;
  }
  throw new PhotoFormatError("JPEG: no image data");
}

function isLocationSegment(b: Uint8Array, s: { marker: number; start: number }): boolean {
  return s.marker === 0xe1 && (ascii(b, s.start + 4, EXIF_ID.length) === EXIF_ID || ascii(b, s.start + 4, XMP_ID.length) === XMP_ID);
}

function pngChunks(b: Uint8Array): { type: string; start: number; end: number; data: number }[] {
  const out: { type: string; start: number; end: number; data: number }[] = [];
  let i = 8;
  while (i < b.length) {
    if (i + 12 > b.length) throw new PhotoFormatError("PNG: truncated chunk");
    const len = ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
    const end = i + 12 + len;
    if (end > b.length) throw new PhotoFormatError(`PNG: chunk at byte ${i} runs past the end`);
    out.push({ type: ascii(b, i + 4, 4), start: i, end, data: i + 8 });
    i = end;
  }
  return out;
}

function isLocationChunk(b: Uint8Array, c: { type: string; data: number }): boolean {
  return c.type === "eXIf" || (c.type === "iTXt" && ascii(b, c.data, 18) === "XML:com.adobe.xmp\0");
}

/**
 * `b` without the metadata that can carry a location; the image data is copied unchanged.
 * Returns the input itself when it holds none. Requires a JPEG or PNG; throws PhotoFormatError otherwise.
 */
export function stripLocation(b: Uint8Array): Uint8Array {
  const mime = sniffPhoto(b);
  if (mime === "image/jpeg") {
    const { segments, scan } = jpegSegments(b);
    const drop = segments.filter((s) => isLocationSegment(b, s));
    if (!drop.length) return b;
    const parts: Uint8Array[] = [b.subarray(0, 2)];
    for (const s of segments) if (!drop.includes(s)) parts.push(b.subarray(s.start, s.end));
    parts.push(b.subarray(scan));
    return concatBytes(...parts);
  }
  if (mime === "image/png") {
    const chunks = pngChunks(b);
    const drop = chunks.filter((c) => isLocationChunk(b, c));
    if (!drop.length) return b;
    return concatBytes(b.subarray(0, 8), ...chunks.filter((c) => !drop.includes(c)).map((c) => b.subarray(c.start, c.end)));
  }
  throw new PhotoFormatError("not a JPEG or PNG image");
}

/** True if the photo's Exif names a GPS directory (tag 0x8825 in IFD0). */
export function hasExifGps(b: Uint8Array): boolean {
  const tiffs: number[] = [];
  if (sniffPhoto(b) === "image/jpeg") {
    for (const s of jpegSegments(b).segments) if (s.marker === 0xe1 && ascii(b, s.start + 4, 6) === EXIF_ID) tiffs.push(s.start + 10);
  } else if (sniffPhoto(b) === "image/png") {
    for (const c of pngChunks(b)) if (c.type === "eXIf") tiffs.push(c.data);
  }
  for (const t of tiffs) {
    const le = ascii(b, t, 2) === "II";
    const u16 = (at: number) => (le ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1]);
    const u32 = (at: number) => (le ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 2 ** 24 : b[at] * 2 ** 24 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]));
    const ifd = t + u32(t + 4);
    if (ifd + 2 > b.length) continue;
    const n = u16(ifd);
    for (let k = 0; k < n && ifd + 2 + 12 * k + 2 <= b.length; k++) if (u16(ifd + 2 + 12 * k) === 0x8825) return true;
  }
  return false;
}
