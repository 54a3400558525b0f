"use client";
import { useI18n } from "../i18n/i18n-provider";
import { SPEEDS } from "./url-state";
import { BackfillProgress } from "./backfill-progress";
import { formatCityTime } from "@/lib/i18n/city-time";

/**
 * Replays the last 24 hours of every layer at an adjustable speed, and returns to live.
 * Dragging the slider pauses at that moment; play advances by `speed` simulated seconds
 * per second; reaching now returns to live.
 */
export function TimeSlider(props: {
  now: number;
  span: number;
  t: number | null;
  playing: boolean;
  speed: number;
  loading: boolean;
  error: boolean;
  onSeek: (t: number) => void;
  onPlay: (playing: boolean) => void;
  onSpeed: (s: number) => void;
  onLive: () => void;
}) {
  const { t, locale } = useI18n();
  const min = props.now - props.span;
  const value = props.t ?? props.now;
  const fmt = (ms: number) => formatCityTime(ms, locale, "short");
  return (
    <div className="map-overlay time-slider" data-testid="time-slider" data-mode={props.t === null ? "live" : "replay"} data-t={props.t ?? ""}>
      <BackfillProgress />
      <button
        className="play"
        onClick={() => props.onPlay(!props.playing)}
        data-testid="time-play"
        aria-label={props.playing ? t("time.pause") : t("time.play")}
        title={props.playing ? t("time.pause") : t("time.play")}
      >
        {props.playing ? "❚❚" : "▶"}
      </button>
      <input
        type="range"
        min={min}
        max={props.now}
        step={60_000}
        value={value}
        onChange={(e) => props.onSeek(Number(e.target.value))}
        data-testid="time-range"
        aria-label={t("time.label")}
      />
      <span className="time-label" data-testid="time-label">
        {props.t === null ? t("time.live") : fmt(props.t)}
        {props.t !== null && props.loading ? ` · ${t("time.loading")}` : ""}
        {props.t !== null && props.error ? ` · ${t("time.error")}` : ""}
      </span>
      <select value={props.speed} onChange={(e) => props.onSpeed(Number(e.target.value))} data-testid="time-speed" aria-label={t("time.speed")}>
        {SPEEDS.map((s) => (
          <option key={s} value={s}>
            {t(`time.speed.${s}` as "time.speed.60")}
          </option>
        ))}
      </select>
      <button className={props.t === null ? "live on" : "live"} onClick={props.onLive} data-testid="time-live">
        ● {t("time.live")}
      </button>
    </div>
  );
}
