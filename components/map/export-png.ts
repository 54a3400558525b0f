import type { Map as MapLibreMap } from "maplibre-gl";

/**
 * The map as a PNG, with a caption band: redraws the map and reads the canvas in the same
 * frame (deck.gl draws interleaved into MapLibre's canvas, so one read has both), which
 * needs no preserveDrawingBuffer and so costs nothing while nobody exports.
 */
export function mapPng(map: MapLibreMap, caption: { title: string; lines: string[] }): Promise<Blob> {
  return new Promise((resolve, reject) => {
    map.once("render", () => {
      try {
        const src = map.getCanvas();
        const band = 28 + 20 * caption.lines.length;
        const out = document.createElement("canvas");
        out.width = src.width;
        out.height = src.height + band * window.devicePixelRatio;
        const ctx = out.getContext("2d");
        if (!ctx) throw new Error("no 2d context");
        ctx.drawImage(src, 0, 0);
        ctx.scale(window.devicePixelRatio, window.devicePixelRatio);
        const top = src.height / window.devicePixelRatio;
        ctx.fillStyle = "#020617";
        ctx.fillRect(0, top, out.width, band);
        ctx.fillStyle = "#e2e8f0";
        ctx.font = '600 15px system-ui, "Noto Sans CJK SC", sans-serif';
        ctx.fillText(caption.title, 12, top + 20);
        ctx.font = '13px system-ui, "Noto Sans CJK SC", sans-serif';
        ctx.fillStyle = "#94a3b8";
        caption.lines.forEach((l, i) => ctx.fillText(l, 12, top + 40 + 20 * i));
        out.toBlob((b) => (b ? resolve(b) : reject(new Error("the canvas gave no PNG"))), "image/png");
      } catch (e) {
        reject(e as Error);
      }
    });
    map.triggerRepaint();
  });
}

/** Saves a blob under a file name through a temporary link. */
export function download(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
