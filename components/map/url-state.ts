/**
 * The map's view in the URL, so it can be shared: layers, time (live or a moment of the
 * last 24 hours), replay speed, bounds, selected feature and coverage kind. Parsing is
 * lenient: a value that does not parse falls back to its default.
 */
import { MAP_LAYERS, type MapLayerId } from "@/lib/api/map-specs";

export type CoverageKind = "police" | "fire";
export type MapUrlState = {
  layers: MapLayerId[];
  /** null: live; otherwise the replayed moment (ms since the epoch). */
  t: number | null;
  /** Replay speed: simulated seconds per second. */
  speed: number;
  bbox: [number, number, number, number] | null;
  sel: string | null;
  cov: CoverageKind;
};

export const SPEEDS = [60, 300, 900, 3600] as const;
export const REPLAY_SPAN_MS = 24 * 3_600_000;
export const DEFAULT_STATE: MapUrlState = { layers: ["traffic"], t: null, speed: 300, bbox: null, sel: null, cov: "police" };

export function parseMapUrl(search: string, now = Date.now()): MapUrlState {
  const p = new URLSearchParams(search);
  const s: MapUrlState = { ...DEFAULT_STATE, layers: [...DEFAULT_STATE.layers] };
  const layers = p.get("layers");
  if (layers !== null) {
    s.layers = MAP_LAYERS.filter((l) => layers.split(",").includes(l));
  }
  const t = p.get("t");
  if (t && t !== "live") {
    const ms = Date.parse(t);
    if (Number.isFinite(ms) && ms < now && ms >= now - REPLAY_SPAN_MS) s.t = ms;
  }
  const speed = Number(p.get("speed"));
  if ((SPEEDS as readonly number[]).includes(speed)) s.speed = speed;
  const bbox = p.get("bbox")?.split(",").map(Number);
  if (bbox && bbox.length === 4 && bbox.every(Number.isFinite) && bbox[0] < bbox[2] && bbox[1] < bbox[3] && bbox[0] >= -180 && bbox[2] <= 180 && bbox[1] >= -90 && bbox[3] <= 90) {
    s.bbox = bbox as [number, number, number, number];
  }
  const sel = p.get("sel");
  if (sel && /^[a-z]+-[A-Za-z0-9-]{1,60}$/.test(sel)) s.sel = sel;
  if (p.get("cov") === "fire") s.cov = "fire";
  return s;
}

export function serializeMapUrl(s: MapUrlState): string {
  const p = new URLSearchParams();
  p.set("layers", s.layers.join(","));
  p.set("t", s.t === null ? "live" : new Date(s.t).toISOString());
  if (s.speed !== DEFAULT_STATE.speed) p.set("speed", String(s.speed));
  if (s.bbox) p.set("bbox", s.bbox.map((v) => v.toFixed(4)).join(","));
  if (s.sel) p.set("sel", s.sel);
  if (s.cov !== "police") p.set("cov", s.cov);
  return `?${p.toString().replace(/%2C/g, ",").replace(/%3A/g, ":")}`;
}
