"use client";
import { useI18n } from "../i18n/i18n-provider";
import { congestionGradientCss, NO_DATA_COLOR } from "./traffic-colors";

export function Legend() {
  const { t } = useI18n();
  return (
    <div className="map-overlay legend" data-testid="legend">
      <div className="legend-title">{t("legend.title")}</div>
      <div className="legend-bar" style={{ background: congestionGradientCss() }} />
      <div className="legend-labels">
        <span>{t("legend.jam")}</span>
        <span>{t("legend.slow")}</span>
        <span>{t("legend.free")}</span>
      </div>
      <div className="legend-nodata">
        <span className="swatch" style={{ background: `rgba(${NO_DATA_COLOR.slice(0, 3).join(",")},0.6)` }} />
        {t("legend.noData")}
      </div>
    </div>
  );
}
