"use client";
import { useI18n } from "../i18n/i18n-provider";
import type { LiveState } from "./use-map-data";
import { formatCityTime } from "@/lib/i18n/city-time";
import { LedgerCatchUp } from "./ledger-catch-up";

/**
 * The stream's state, and with the traffic layer on, how many sensors have a reading; "no
 * readings yet" speaks of traffic only, so it is not shown while only other layers are on.
 */
export function LiveStatus(props: { state: LiveState; lastUpdate: string | null; replay: boolean; sensorCount: number; valueCount: number; traffic?: boolean }) {
  const { t, locale } = useI18n();
  const label = props.replay ? t("map.replay") : props.state === "live" ? t("map.live") : props.state === "offline" ? t("map.offline") : t("map.connecting");
  return (
    <div className="map-overlay map-status" data-testid="live-status" data-state={props.state} data-replay={props.replay}>
      <div>
        <span className={props.state === "live" && !props.replay ? "status-dot live" : props.replay ? "status-dot replay" : "status-dot"} />
        {label}
      </div>
      {props.traffic !== false && props.sensorCount > 0 ? (
        <div className="muted" data-testid="sensor-count">
          {props.valueCount.toLocaleString(locale)} / {props.sensorCount.toLocaleString(locale)} {t("map.sensors")}
        </div>
      ) : null}
      {props.lastUpdate && !props.replay ? (
        <div className="muted" data-testid="last-update">
          {t("map.lastUpdate")}: {formatCityTime(props.lastUpdate, locale, "time")}
        </div>
      ) : props.traffic !== false && props.valueCount === 0 && !props.replay ? (
        <div className="muted">{t("map.noData")}</div>
      ) : null}
      <LedgerCatchUp />
    </div>
  );
}
