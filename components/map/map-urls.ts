import type { MapLayerId } from "@/lib/api/map-specs";
import { parseMapUrl } from "./url-state";

// The map's API addresses, one builder each: the queries (map-queries.ts) fetch them and the
// map page preloads the first ones, and a preload is used only by a fetch of the same address.
export const mapUrls = {
  city: () => "/api/city",
  style: (theme: "dark" | "light") => `/api/city/style?theme=${theme}`,
  labels: (locale: string) => `/api/city/labels?lang=${locale}`,
  layers: () => "/api/map/layers",
  features: (layer: MapLayerId) => `/api/map/layers/${layer}/features`,
  latest: (layer: MapLayerId) => `/api/map/layers/${layer}/latest`,
  kpis: (to: string | null) => `/api/map/kpis${to ? `?to=${encodeURIComponent(to)}` : ""}`,
};

/**
 * What the live map asks for first, for the page's address (its query string) and language:
 * the city, its base style and labels, the layer list, the KPIs, and each shown layer's
 * geometry and latest values. A replay (`t` in the address) asks for frames instead of latest
 * values, so only the city and style part is preloaded then.
 */
export function firstMapUrls(search: string, locale: string): string[] {
  const s = parseMapUrl(search);
  const urls = [mapUrls.city(), mapUrls.style("dark"), mapUrls.labels(locale), mapUrls.layers()];
  if (s.t !== null) return urls;
  urls.push(mapUrls.kpis(null));
  for (const l of s.layers) urls.push(mapUrls.features(l), mapUrls.latest(l));
  return urls;
}
