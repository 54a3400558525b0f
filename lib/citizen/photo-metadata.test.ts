import { readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { hasExifGps, PhotoFormatError, sniffPhoto, stripLocation } from "./photo-metadata";

// A real JPEG made with sharp (libvips): 64×48, Exif with Make/Model and a GPS directory at 37°27'36"N 121°27'E.
const fixture = new Uint8Array(readFileSync(path.join(__dirname, "fixtures/gps-photo.jpg")));
const has = (b: Uint8Array, s: string) => Buffer.from(b).includes(Buffer.from(s, "latin1"));

describe("stripLocation", () => {
  it("removes the Exif (with its GPS directory) from a real JPEG and keeps the image decodable and the same", async () => {
    expect(sniffPhoto(fixture)).toBe("image/jpeg");
    expect(hasExifGps(fixture)).toBe(true);
    expect(has(fixture, "CityBrainTest")).toBe(true);
    const out = stripLocation(fixture);
    expect(hasExifGps(out)).toBe(false);
    expect(has(out, "Exif\0\0")).toBe(false);
    expect(has(out, "CityBrainTest")).toBe(false);
    expect(out.length).toBeLessThan(fixture.length);
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(["jpeg", 64, 48, undefined]);
    const [a, b] = await Promise.all([sharp(fixture).raw().toBuffer(), sharp(out).raw().toBuffer()]);
    expect(Buffer.compare(a, b)).toBe(0);
  });

  it("returns a photo without location metadata unchanged, and is idempotent", () => {
    const once = stripLocation(fixture);
    expect(stripLocation(once)).toBe(once);
  });

  it("removes a PNG's eXIf chunk", async () => {
    const png = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: "#123456" } }).png().withExif({ IFD3: { GPSLatitudeRef: "N", GPSLatitude: "37/1 0/1 0/1" } }).toBuffer());
    expect(sniffPhoto(png)).toBe("image/png");
    expect(hasExifGps(png)).toBe(true);
    const out = stripLocation(png);
    expect(hasExifGps(out)).toBe(false);
    expect(has(out, "eXIf")).toBe(false);
    expect((await sharp(out).metadata()).width).toBe(8);
  });

  it("refuses what is not a JPEG or PNG, and a truncated JPEG", () => {
    expect(() => stripLocation(new TextEncoder().encode("GIF89a...."))).toThrow(PhotoFormatError);
    expect(() => stripLocation(fixture.subarray(0, 30))).toThrow(/runs past the end|truncated/);
  });
});
