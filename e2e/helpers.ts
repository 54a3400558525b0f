import { PNG } from "pngjs";
import type { Page } from "@playwright/test";

/** Decodes a PNG screenshot. */
export function decodePng(buf: Buffer) {
  return PNG.sync.read(buf);
}

/** How many distinct colours (quantised to 4 bits per channel) the image has. */
export function distinctColours(png: PNG): number {
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) {
    seen.add(((png.data[i] >> 4) << 8) | ((png.data[i + 1] >> 4) << 4) | (png.data[i + 2] >> 4));
  }
  return seen.size;
}

/** Number of pixels that differ by more than `tol` in any channel. */
export function diffPixels(a: PNG, b: PNG, tol = 24): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error("images differ in size");
  let n = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (
      Math.abs(a.data[i] - b.data[i]) > tol ||
      Math.abs(a.data[i + 1] - b.data[i + 1]) > tol ||
      Math.abs(a.data[i + 2] - b.data[i + 2]) > tol
    )
      n++;
  }
  return n;
}

/** Screenshot of the map canvas only (no overlays), decoded. */
export async function mapPixels(page: Page) {
  const canvas = page.locator("canvas.maplibregl-canvas");
  return decodePng(await canvas.screenshot());
}

/** Collects every request the page makes to a host that is not this machine. */
export function watchExternalRequests(page: Page): string[] {
  const external: string[] = [];
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (["http:", "https:", "ws:", "wss:"].includes(url.protocol) && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
      external.push(req.url());
    }
  });
  return external;
}
