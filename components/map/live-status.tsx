"use client";
import { useI18n } from "../i18n/i18n-provider";
import type { LiveState } from "./use-live-traffic";

export function LiveStatus(props: { state: LiveState; lastUpdate: string | null; sensorCount: number; valueCount: number }) {
  const { t, locale } = useI18n();
  const label = props.state === "live" ? t("map.live") : props.state === "offline" ? t("map.offline") : t("map.connecting");
  return (
    <div className="map-overlay map-status" data-testid="live-status" data-state={props.state}>
      <div>
        <span className={props.state === "live" ? "status-dot live" : "status-dot"} />
        {label}
      </div>
      <div className="muted">
        {props.sensorCount.toLocaleString(locale)} {t("map.sensors")}
      </div>
      {props.lastUpdate ? (
        <div className="muted" data-testid="last-update">
          {t("map.lastUpdate")}: {new Date(props.lastUpdate).toLocaleTimeString(locale, { hour12: false })}
        </div>
      ) : props.valueCount === 0 ? (
        <div className="muted">{t("map.noData")}</div>
      ) : null}
    </div>
  );
}
