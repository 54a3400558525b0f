import { getCity } from "../city/current-city";
import { labelPoints } from "./base-style";

/** Place labels in one language: districts (rank 0) and named major roads (rank 1). */
export async function getCityLabels(lang: "zh-CN" | "en") {
  const labels = labelPoints(getCity()).map((l) => ({
    text: lang === "en" ? l.nameEn : l.nameZh,
    position: l.position,
    rank: l.rank,
    angle: l.angle,
    minZoom: l.minZoom,
  }));
  return { labels };
}
