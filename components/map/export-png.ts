import type { Map as MapLibreMap } from "maplibre-gl";
import type { AccessNote, MapLayerId } from "@/lib/api/map-specs";
import type { Locale, MessageKey } from "@/lib/i18n/messages";
import { LAYER_DATASETS } from "@/lib/map/layer-datasets";
import { formatCityTimeWithOffset, utcOffsetLabel } from "@/lib/i18n/city-time";
import { basisText, datasetName } from "./access-text";

/**
 * The viewer's basis for each dataset of the layers shown: public, own department, a grant
 * (with its scope) or hidden. Pure: runs in Node for tests.
 */
export function basisLines(layers: readonly MapLayerId[], notes: readonly AccessNote[] | undefined, t: (k: MessageKey) => string, locale: Locale): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const colon = locale === "en" ? ": " : "：";
  for (const l of layers)
    for (const d of LAYER_DATASETS[l]) {
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      const n = notes?.find((x) => x.datasetId === d.id);
      if (!n) continue;
      if (!n.allowed) out.push(`${datasetName(d.id, locale)}${colon}${t("export.hidden")}`);
      else out.push(basisText(n, t, locale) ?? `${datasetName(d.id, locale)}${colon}${n.basis === "public" ? t("access.public") : n.basis === "ownership" ? t("access.ownership") : t("access.grant")}`);
    }
  return out;
}

/** The export's caption and the panels painted onto it (the page's legend and KPI strip). */
export function exportCaption(o: {
  t: (k: MessageKey) => string;
  locale: Locale;
  city: string | undefined;
  layers: readonly MapLayerId[];
  live: boolean;
  at: number;
  utcOffsetMinutes: number;
  notes: readonly AccessNote[] | undefined;
}) {
  const { t, locale } = o;
  const names = o.layers.map((l) => t(`layer.${l}`)).join(" + ") || t("legend.none");
  const basis = basisLines(o.layers, o.notes, t, locale);
  return {
    title: `${t("app.title")} · ${o.city ?? ""}`,
    lines: [
      `${names} · ${o.live ? t("time.live") : t("map.replay")} · ${t("export.localTime")} ${formatCityTimeWithOffset(o.at, locale)}`,
      // One line per dataset: a grant's terms are long.
      ...basis.map((b, i) => `${i ? "\u3000" : `${t("export.basis")}${locale === "en" ? ": " : "："}`}${b}`),
    ],
    panels: typeof document === "undefined" ? [] : [document.querySelector<HTMLElement>('[data-testid="kpi-strip"]'), document.querySelector<HTMLElement>('[data-testid="legend"]')],
  };
}

/**
 * The export's file name: the city's local time (not the browser's) with its UTC offset, the
 * mode and the layers, e.g. `city-brain-2026-12-05-0812-UTC+08-live-traffic-energy.png`.
 */
export function exportFileName(opts: { at: number; utcOffsetMinutes: number; live: boolean; layers: readonly string[] }): string {
  const local = new Date(opts.at + opts.utcOffsetMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, "0");
  const date = `${local.getUTCFullYear()}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())}`;
  const time = `${p(local.getUTCHours())}${p(local.getUTCMinutes())}`;
  const zone = utcOffsetLabel(opts.utcOffsetMinutes);
  const layers = opts.layers.length ? opts.layers.join("-") : "base";
  return `city-brain-${date}-${time}-${zone}-${opts.live ? "live" : "replay"}-${layers}.png`;
}

/** Parses a computed `linear-gradient(...)` into colour stops (even spacing where no position is given). */
function gradientStops(css: string): { color: string; at: number }[] {
  const colours = [...css.matchAll(/(rgba?\([^)]*\)|#[0-9a-f]{3,8})\s*(-?[\d.]+%)?/gi)];
  return colours.map((m, i) => ({ color: m[1], at: m[2] ? Math.min(1, Math.max(0, parseFloat(m[2]) / 100)) : colours.length > 1 ? i / (colours.length - 1) : 0 }));
}

const transparent = (c: string) => !c || c === "transparent" || /rgba\([^)]*,\s*0\)$/.test(c);

/**
 * Paints an overlay panel (legend, KPI strip) onto a 2D context the way the page shows it:
 * backgrounds, borders, gradient bars and text of every visible element, and SVG sparklines
 * as images. Positions are relative to `origin` (the map canvas' top left), in CSS pixels.
 */
export async function paintElement(ctx: CanvasRenderingContext2D, root: HTMLElement, origin: { x: number; y: number }) {
  const images: Promise<void>[] = [];
  const walk = (el: Element) => {
    const cs = getComputedStyle(el);
    if (cs.display === "none" || cs.visibility === "hidden" || Number(cs.opacity) === 0) return;
    const r = el.getBoundingClientRect();
    const x = r.left - origin.x, y = r.top - origin.y;
    if (el instanceof SVGSVGElement) {
      const svg = el.cloneNode(true) as SVGSVGElement;
      svg.setAttribute("xmlns", "http://www.w3.org/2000/svg");
      svg.setAttribute("width", String(r.width));
      svg.setAttribute("height", String(r.height));
      const img = new Image();
      images.push(
        new Promise<void>((resolve) => {
          img.onload = () => {
            ctx.drawImage(img, x, y, r.width, r.height);
            resolve();
          };
          img.onerror = () => resolve();
          img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
        }),
      );
      return;
    }
    const radius = parseFloat(cs.borderTopLeftRadius) || 0;
    if (!transparent(cs.backgroundColor)) {
      ctx.fillStyle = cs.backgroundColor;
      ctx.beginPath();
      ctx.roundRect(x, y, r.width, r.height, radius);
      ctx.fill();
    }
    if (cs.backgroundImage.startsWith("linear-gradient")) {
      const g = ctx.createLinearGradient(x, 0, x + r.width, 0);
      for (const s of gradientStops(cs.backgroundImage)) g.addColorStop(s.at, s.color);
      ctx.fillStyle = g;
      ctx.beginPath();
      ctx.roundRect(x, y, r.width, r.height, radius);
      ctx.fill();
    }
    const bw = parseFloat(cs.borderTopWidth) || 0;
    if (bw > 0 && !transparent(cs.borderTopColor) && cs.borderTopStyle !== "none") {
      ctx.strokeStyle = cs.borderTopColor;
      ctx.lineWidth = bw;
      ctx.beginPath();
      ctx.roundRect(x + bw / 2, y + bw / 2, r.width - bw, r.height - bw, radius);
      ctx.stroke();
    }
    // Children of a box that hides its overflow (an ellipsized name) stay inside it.
    const clip = cs.overflow !== "visible";
    if (clip) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(x, y, r.width, r.height);
      ctx.clip();
    }
    for (const n of el.childNodes) {
      if (n.nodeType === Node.TEXT_NODE) {
        let text = n.textContent?.trim();
        if (!text) continue;
        if (cs.textTransform === "uppercase") text = text.toUpperCase();
        const range = document.createRange();
        range.selectNodeContents(n);
        const tr = range.getBoundingClientRect();
        if (!tr.width) continue;
        ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
        ctx.fillStyle = cs.color;
        ctx.textBaseline = "middle";
        ctx.fillText(text, tr.left - origin.x, tr.top - origin.y + tr.height / 2);
      } else if (n instanceof Element) walk(n);
    }
    if (clip) ctx.restore();
  };
  walk(root);
  await Promise.all(images);
}

/**
 * The map as a PNG: the map itself, the panels given (legend, KPIs) painted where the page
 * shows them, and a caption band below with the title, time and the viewer's basis. Redraws
 * the map and reads the canvas in the same frame (deck.gl draws interleaved into MapLibre's
 * canvas, so one read has both), which needs no preserveDrawingBuffer and so costs nothing
 * while nobody exports.
 */
export function mapPng(map: MapLibreMap, caption: { title: string; lines: string[]; panels?: (HTMLElement | null | undefined)[] }): Promise<Blob> {
  return new Promise((resolve, reject) => {
    map.once("render", () => {
      try {
        const src = map.getCanvas();
        const dpr = window.devicePixelRatio;
        const band = 28 + 20 * caption.lines.length;
        const out = document.createElement("canvas");
        out.width = src.width;
        out.height = src.height + band * dpr;
        const ctx = out.getContext("2d");
        if (!ctx) throw new Error("no 2d context");
        ctx.drawImage(src, 0, 0);
        ctx.scale(dpr, dpr);
        const top = src.height / dpr;
        ctx.fillStyle = "#020617";
        ctx.fillRect(0, top, out.width, band);
        ctx.fillStyle = "#e2e8f0";
        ctx.font = '600 15px system-ui, "Noto Sans CJK SC", sans-serif';
        ctx.textBaseline = "alphabetic";
        ctx.fillText(caption.title, 12, top + 20);
        ctx.font = '13px system-ui, "Noto Sans CJK SC", sans-serif';
        ctx.fillStyle = "#94a3b8";
        caption.lines.forEach((l, i) => ctx.fillText(l, 12, top + 40 + 20 * i, out.width / dpr - 24));
        const c = src.getBoundingClientRect();
        const panels = (caption.panels ?? []).filter((p): p is HTMLElement => !!p);
        // Painted after the map was read: the canvas is drawn on (toBlob) only once they are.
        void panels
          .reduce((prev, p) => prev.then(() => paintElement(ctx, p, { x: c.left, y: c.top })), Promise.resolve())
          .then(() => out.toBlob((b) => (b ? resolve(b) : reject(new Error("the canvas gave no PNG"))), "image/png"))
          .catch(reject);
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
